import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { sessionOptions, type BaseConfig } from '@cqrs-bank/platform';
import pg from 'pg';

/** The query side's own pool over the read-model tables (raw parameterised SQL). */
export const READ_MODEL_POOL = Symbol('READ_MODEL_POOL');

/**
 * Every session of the query side is read-only (SPEC §5): Postgres itself
 * refuses a write, whatever the code tries — twice over, as the session also
 * runs as DB_ROLE (cqrs_bank_query: SELECT on the read models, nothing else).
 */
export const READ_ONLY_SESSION = '-c default_transaction_read_only=on';

/** Settings of a read-only connection under DB_ROLE; `applicationName` shows in pg_stat_activity. */
export function readModelConnection(config: BaseConfig, applicationName: string): pg.ClientConfig {
  return {
    connectionString: config.DATABASE_URL,
    connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
    application_name: applicationName,
    options: sessionOptions(config, READ_ONLY_SESSION),
  };
}

export function createReadModelPool(config: BaseConfig, appName: string): pg.Pool {
  const pool = new pg.Pool({
    ...readModelConnection(config, `${appName}:read-models`),
    max: config.DB_POOL_SIZE,
    idleTimeoutMillis: 30_000,
  });
  // A connection dropped while idle (Postgres restarted) must not crash the process;
  // the pool discards it and the next query opens a new one.
  pool.on('error', () => undefined);
  return pool;
}

@Injectable()
export class ReadModelPoolCloser implements OnApplicationShutdown {
  constructor(@Inject(READ_MODEL_POOL) private readonly pool: pg.Pool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
