import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { migrations, ProjectionCheckpoint } from '@cqrs-bank/event-store';
import { BaseConfig, dataSourceOptions, loadConfig, runMigrationsLocked } from '@cqrs-bank/platform';
import { DataSource } from 'typeorm';

function dataSource(appName: string): DataSource {
  return new DataSource(
    dataSourceOptions(loadConfig(BaseConfig), { appName, migrations, entities: [ProjectionCheckpoint] }),
  );
}

describe('migrations and TypeORM on the real Postgres', () => {
  let db: DataSource;

  beforeAll(async () => {
    db = await dataSource('database-int-spec').initialize();
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('has applied every migration exactly once, recorded in schema_migrations', async () => {
    const rows: { name: string }[] = await db.query('SELECT name FROM schema_migrations ORDER BY id');
    expect(rows.map((r) => r.name)).toEqual(migrations.map((m) => new m().name));
  });

  it('stores and reads a checkpoint through the TypeORM repository on the migration-created table', async () => {
    const repo = db.getRepository(ProjectionCheckpoint);
    await repo.save({ projection: 'int-spec-balance', position: '9007199254740993' });
    const found = await repo.findOneByOrFail({ projection: 'int-spec-balance' });
    // bigint beyond 2^53 survives exactly.
    expect(found.position).toBe('9007199254740993');
    expect(found.updatedAt).toBeInstanceOf(Date);
  });

  it('refuses a negative checkpoint (the table constraint comes from the migration)', async () => {
    await expect(
      db.getRepository(ProjectionCheckpoint).insert({ projection: 'int-spec-negative', position: '-1' }),
    ).rejects.toThrow(/check constraint/);
  });

  it('lets several processes migrate at once without racing (advisory lock)', async () => {
    const others = await Promise.all([
      dataSource('m1').initialize(),
      dataSource('m2').initialize(),
      dataSource('m3').initialize(),
    ]);
    try {
      const applied = await Promise.all(others.map((d) => runMigrationsLocked(d)));
      expect(applied.flat()).toEqual([]);
    } finally {
      await Promise.all(others.map((d) => d.destroy()));
    }
  });
});
