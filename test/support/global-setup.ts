// Integration project setup: real Postgres and real Kafka from infra/ (started
// when not already up), a freshly created test database, and every migration
// (applied by the built migrate CLI — `npm test` builds dist/ first).
// Jest loads this file outside its module map: import only infra/ and node:.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureKafka } from '../../infra/kafka.mjs';
import { DEFAULT_DATABASE_URL, ensurePostgres, recreateDatabase } from '../../infra/postgres.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export default async function globalSetup(): Promise<void> {
  const log = (msg: string) => process.stdout.write(`[test-infra] ${msg}\n`);
  const base = new URL(process.env.DATABASE_URL || DEFAULT_DATABASE_URL);
  base.pathname = `/${process.env.TEST_DATABASE ?? 'cqrs_bank_test'}`;
  const [databaseUrl, brokers] = await Promise.all([
    ensurePostgres({ log, url: base.toString() }),
    ensureKafka({ log }),
  ]);
  await recreateDatabase(databaseUrl);
  process.env.DATABASE_URL = databaseUrl;
  process.env.KAFKA_BROKERS = brokers;
  const migrate = spawnSync(process.execPath, [join(ROOT, 'dist/libs/event-store/src/migrate.main.js')], {
    cwd: ROOT,
    env: process.env,
    encoding: 'utf8',
  });
  if (migrate.status !== 0) {
    throw new Error(
      `migrations failed (is dist/ built? run "npm test"): ${migrate.stderr || migrate.stdout}`,
    );
  }
}
