import type { DataSource, MigrationInterface } from 'typeorm';

export type MigrationClass = new () => MigrationInterface;

/** Arbitrary constant shared by every app: only one process migrates at a time. */
const MIGRATION_LOCK_KEY = 7_231_904_117;

/**
 * Runs pending migrations under a session advisory lock, so several replicas
 * (or all four apps of `npm start`) can start at once without racing DDL.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    try {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    } finally {
      await runner.release();
    }
  }
}
