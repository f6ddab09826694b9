import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

/**
 * Settings every app shares. Each app extends this with its own class
 * (`<app>.config.ts`); defaults here are the documented defaults in README.md.
 */
export class BaseConfig {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: string = 'development';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  @IsString()
  HOST: string = '0.0.0.0';

  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/cqrs_bank';

  @IsInt()
  @Min(1)
  @Max(500)
  DB_POOL_SIZE: number = 20;

  /** Milliseconds a query may wait for a pooled connection or a new one before failing fast. */
  @IsInt()
  @Min(100)
  DB_CONNECT_TIMEOUT_MS: number = 3000;

  /**
   * The Postgres role this app's sessions run as (SPEC §5): every connection
   * of its pools starts with `-c role=<DB_ROLE>`, so the database refuses what
   * the role was not granted. Each app defaults to its own group role (see
   * the DatabaseRoles migration); `none` keeps the login user's own rights.
   * Migrations never run under it.
   */
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'DB_ROLE must be a plain role name, or none' })
  DB_ROLE: string = 'none';

  /** Run the database migrations this app owns at start-up (under an advisory lock). */
  @IsIn(['true', 'false'])
  MIGRATIONS_RUN: string = 'true';

  @Matches(/^[^,\s]+(,[^,\s]+)*$/, { message: 'KAFKA_BROKERS must be a comma-separated host:port list' })
  KAFKA_BROKERS: string = '127.0.0.1:9092';

  @IsOptional()
  @IsString()
  KAFKA_CLIENT_ID?: string;

  /** How long a Kafka request may go unanswered before it is retried on a new connection. */
  @IsInt()
  @Min(1000)
  KAFKA_REQUEST_TIMEOUT_MS: number = 10000;

  /** How long SIGTERM waits for in-flight work before the process exits anyway. */
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT_MS: number = 10000;

  /**
   * Requests one caller (a token's `sub`, else the client IP) may make per
   * minute to an app importing RateLimitModule, per replica; beyond it 429
   * RATE_LIMITED. 0 turns limiting off.
   */
  @IsInt()
  @Min(0)
  RATE_LIMIT_PER_MINUTE: number = 6000;

  /**
   * Bearer-token verification (SPEC §5); read by AuthModule only. Set exactly
   * one of JWT_SECRET (HS256) and JWT_PUBLIC_KEY (RS256). No default: with
   * neither set, an app importing AuthModule refuses to start in production
   * and, elsewhere, falls back to a fixed development secret with a warning.
   * The secret is used as its UTF-8 bytes.
   */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters long' })
  JWT_SECRET?: string;

  /** RSA public key (PEM, "\n" escapes allowed) for RS256 tokens. */
  @IsOptional()
  @Matches(/-----BEGIN (RSA )?PUBLIC KEY-----/, { message: 'JWT_PUBLIC_KEY must be a PEM public key' })
  JWT_PUBLIC_KEY?: string;

  /** Required `iss` claim, when set. */
  @IsOptional()
  @IsString()
  JWT_ISSUER?: string;

  /** Required `aud` claim, when set. */
  @IsOptional()
  @IsString()
  JWT_AUDIENCE?: string;

  /**
   * Personal-data master key (SPEC §8): 32 bytes, base64. It wraps each owner's
   * data key; read by the event store's PersonalDataVault only. Unset: production
   * refuses to start; elsewhere a fixed, public development key is used with a
   * warning (see libs/event-store/src/personal-data/master-key.ts).
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, {
    message: 'PERSONAL_DATA_MASTER_KEY must be 32 bytes, base64-encoded (44 characters)',
  })
  PERSONAL_DATA_MASTER_KEY?: string;

  /**
   * OpenTelemetry tracing: `otlp` records spans (HTTP requests, commands,
   * event-store appends, outbox publishing, projection) and sends them to
   * OTEL_EXPORTER_OTLP_ENDPOINT; `off` registers nothing and adds no trace
   * header anywhere.
   */
  @IsIn(['off', 'otlp'])
  TRACING: string = 'off';

  /** OTLP/HTTP collector (Jaeger, the OpenTelemetry Collector): spans go to `<endpoint>/v1/traces` as JSON. */
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL' })
  OTEL_EXPORTER_OTLP_ENDPOINT: string = 'http://localhost:4318';

  /** `service.name` of this app's spans; default: the app's name. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  OTEL_SERVICE_NAME?: string;

  /**
   * Share of new traces recorded (0 to 1), decided once where a trace starts;
   * a request or message that continues a trace follows its parent's decision.
   */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  TRACING_SAMPLE_RATIO: number = 1;

  get kafkaBrokers(): string[] {
    return this.KAFKA_BROKERS.split(',');
  }

  get migrationsRun(): boolean {
    return this.MIGRATIONS_RUN === 'true';
  }
}
