import { BaseConfig, loadConfig } from '@cqrs-bank/platform';
import pg from 'pg';

export function testConfig(): BaseConfig {
  return loadConfig(BaseConfig);
}

/** A pool on the test database (DATABASE_URL set by the global setup). */
export function testPool(max = 10): pg.Pool {
  return new pg.Pool({ connectionString: testConfig().DATABASE_URL, max });
}

export async function count(pool: pg.Pool, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM (${sql}) q`, params);
  return Number(rows[0].n);
}

/** Rows in the tables an accepted command writes to (events, outbox, idempotency records): "nothing was written" is these unchanged. */
export function commandSideRows(pool: pg.Pool): Promise<number[]> {
  return Promise.all(['events', 'outbox', 'idempotency_keys'].map((t) => count(pool, `SELECT 1 FROM ${t}`)));
}
