// Baseline `pgbench-read`: what Postgres alone answers to the query side's
// read — a primary-key select of one account_balance row, the statement
// GET /balance runs — with 32 clients over 2 000 rows. The ceiling for
// `balance-http`.
import { join } from 'node:path';
import { migrate, withClient } from '../lib/database.mjs';
import { measurePgbench } from '../lib/pgbench.mjs';
import { seedBalances } from '../lib/seed.mjs';
import { ACCOUNTS, CLIENT_THREADS, ROOT } from '../lib/settings.mjs';

const CLIENTS = 32;
/** BENCH.md: 10 s (shorter when BENCH_SECONDS is). */
const MAX_SECONDS = 10;
const SCRIPT = join(ROOT, 'bench/pgbench/read.sql');

/** @param {import('../worker.mjs').ScenarioContext} context */
export async function run({ databaseUrl, settings, log }) {
  // The app's own read-model table (its migrations), seeded as balance-http seeds it.
  await migrate(databaseUrl);
  await withClient(databaseUrl, (client) => seedBalances(client, ACCOUNTS));
  return [
    await measurePgbench({
      name: 'pgbench-read',
      databaseUrl,
      script: SCRIPT,
      defines: { accounts: ACCOUNTS },
      clients: CLIENTS,
      threads: CLIENT_THREADS,
      seconds: Math.min(MAX_SECONDS, settings.seconds),
      warmupSeconds: settings.warmupSeconds,
      log,
    }),
  ];
}
