// Scenario `balance-http`: GET /balance against the built query-service
// (`node dist/apps/query-service/src/main.js`, production mode, its own
// process) over 2 000 account_balance rows seeded by SQL, 64 keep-alive
// connections (http-load.mjs), a random account and a teller's bearer token on every request.
// Only 2xx answers count; compared with `pgbench-read`, the same select
// straight from Postgres. Postgres answers pgbench from a process per client
// on every core; the query-service is given the machine's cores the same way
// (HTTP_WORKERS: one process per core, as a replica with that many would be
// configured) — one Node process answers from one thread.
import { availableParallelism } from 'node:os';
import { startApp, stopApps } from '../lib/apps.mjs';
import { tellerToken } from '../lib/command-service.mjs';
import { migrate, withClient } from '../lib/database.mjs';
import { measureHttp } from '../lib/http-load.mjs';
import { seedBalances, seededAccountId } from '../lib/seed.mjs';
import { ACCOUNTS } from '../lib/settings.mjs';

const CONNECTIONS = 64;

/** @param {import('../worker.mjs').ScenarioContext} context */
export async function run({ databaseUrl, settings, log }) {
  // query-service applies no migrations (it is read-only): the schema comes first.
  await migrate(databaseUrl);
  log(`seeding ${ACCOUNTS} account_balance rows`);
  await withClient(databaseUrl, (client) => seedBalances(client, ACCOUNTS));
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => seededAccountId(i + 1));

  const workers = availableParallelism();
  log(`starting the query-service (HTTP_WORKERS=${workers})`);
  const service = await startApp('query-service', { env: { HTTP_WORKERS: String(workers) } });
  try {
    const token = tellerToken();
    // Check the route answers what was seeded before loading it.
    const probe = await fetch(`${service.url}/balance?accountId=${accounts[0]}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = await probe.json();
    if (probe.status !== 200 || body.accountId !== accounts[0]) {
      throw new Error(`GET /balance answered ${probe.status}: ${JSON.stringify(body)}`);
    }
    log('getting /balance');
    const measured = await measureHttp({
      name: 'balance-http',
      url: service.url,
      connections: CONNECTIONS,
      request: { method: 'GET', headers: { authorization: `Bearer ${token}` } },
      variants: accounts.map((accountId) => ({ path: `/balance?accountId=${accountId}` })),
      seconds: settings.seconds,
      warmupSeconds: settings.warmupSeconds,
      log,
    });
    return [{ ...measured, details: { ...measured.details, http_workers: workers } }];
  } finally {
    await stopApps([service], log);
  }
}
