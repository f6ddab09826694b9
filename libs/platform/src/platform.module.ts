import {
  type ArgumentMetadata,
  Global,
  Module,
  ValidationPipe,
  type DynamicModule,
  type OnModuleInit,
  type Type,
  BadRequestException,
  Inject,
  Injectable,
} from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_PIPE, DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { ValidationError } from 'class-validator';
import { DataSource, type EntitySchema, type MixedList } from 'typeorm';
import { BaseConfig } from './config/base.config.js';
import { loadConfig } from './config/load-config.js';
import { dataSourceOptions } from './database/data-source-options.js';
import { runMigrationsLocked, type MigrationClass } from './database/migrations.js';
import { PostgresReadiness } from './database/postgres.readiness.js';
import { HealthController } from './health/health.controller.js';
import { READINESS_CHECKS, type ReadinessCheck } from './health/readiness-check.js';
import { ProblemDetailsFilter } from './http/problem.filter.js';
import { JsonLogger } from './logging/json-logger.js';
import { MetricsController, MetricsRegistry } from './metrics/metrics.js';
import { TracingService } from './tracing/tracing.service.js';

export const APP_NAME = Symbol('APP_NAME');
const MIGRATIONS = Symbol('MIGRATIONS');

export interface PlatformOptions<C extends BaseConfig> {
  /** The app's name, used in logs, metrics and the Postgres application_name. */
  app: string;
  /** The app's validated config class. */
  config: Type<C>;
  /** Migrations this app applies at start-up (when MIGRATIONS_RUN is true). */
  migrations?: MigrationClass[];
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities?: MixedList<Function | string | EntitySchema>;
  /** Readiness checks beyond Postgres (e.g. Kafka), resolved from the app's global modules. */
  readiness?: Type<ReadinessCheck>[];
}

function flattenValidationErrors(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      m.startsWith(e.property) ? `${prefix ? prefix + '.' : ''}${m}` : `${path}: ${m}`,
    );
    return [...own, ...flattenValidationErrors(e.children ?? [], path)];
  });
}

/** Strict DTO validation: unknown fields, wrong types and implicit conversions are all rejected. */
/** ValidationPipe that also refuses a body that is not a JSON object (array, null, scalar). */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new BadRequestException(['The request body must be a JSON object']);
    }
    return super.transform(value, metadata);
  }
}

export function strictValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new BadRequestException(flattenValidationErrors(errors)),
  });
}

@Injectable()
class MigrationRunner implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: BaseConfig,
    private readonly logger: JsonLogger,
    @Inject(MIGRATIONS) private readonly migrations: MigrationClass[],
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.migrationsRun || this.migrations.length === 0) return;
    const applied = await runMigrationsLocked(this.dataSource);
    if (applied.length > 0)
      this.logger.log({ msg: 'migrations applied', migrations: applied }, 'MigrationRunner');
  }
}

/**
 * Everything an app needs from the platform, in one import: validated config,
 * JSON logging, Postgres (TypeORM), health, metrics, tracing, problem+json, validation.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot<C extends BaseConfig>(options: PlatformOptions<C>): DynamicModule {
    const readiness = options.readiness ?? [];
    return {
      module: PlatformModule,
      imports: [
        // createHttpApp finds the app's route fast paths with it (http/fast-path.ts).
        DiscoveryModule,
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: [() => ({ app: loadConfig(options.config) })],
        }),
        TypeOrmModule.forRootAsync({
          inject: [options.config],
          useFactory: (config: C) =>
            dataSourceOptions(config, {
              appName: options.app,
              migrations: options.migrations,
              entities: options.entities,
            }),
        }),
        TerminusModule.forRoot({ errorLogStyle: 'json', logger: false }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: APP_NAME, useValue: options.app },
        {
          provide: options.config,
          inject: [ConfigService],
          useFactory: (cs: ConfigService) => cs.get<C>('app'),
        },
        { provide: BaseConfig, useExisting: options.config },
        {
          provide: JsonLogger,
          inject: [BaseConfig],
          useFactory: (c: BaseConfig) => new JsonLogger(options.app, c.LOG_LEVEL),
        },
        {
          // Started here, while the app is created: before createHttpApp picks its hooks.
          provide: TracingService,
          inject: [BaseConfig, JsonLogger],
          useFactory: (c: BaseConfig, l: JsonLogger) => new TracingService(c, options.app, l),
        },
        {
          provide: MetricsRegistry,
          useFactory: () => {
            const m = new MetricsRegistry();
            m.setApp(options.app);
            return m;
          },
        },
        { provide: MIGRATIONS, useValue: options.migrations ?? [] },
        MigrationRunner,
        PostgresReadiness,
        {
          provide: READINESS_CHECKS,
          inject: [PostgresReadiness, ...readiness],
          useFactory: (...checks: ReadinessCheck[]) => checks,
        },
        {
          provide: APP_FILTER,
          inject: [JsonLogger],
          useFactory: (l: JsonLogger) => new ProblemDetailsFilter(l),
        },
        { provide: APP_PIPE, useFactory: strictValidationPipe },
      ],
      exports: [APP_NAME, options.config, BaseConfig, JsonLogger, MetricsRegistry, TypeOrmModule],
    };
  }
}
