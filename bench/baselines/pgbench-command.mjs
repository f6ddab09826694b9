// Baseline `pgbench-command`: what Postgres alone does with one transaction
// per command (read the stream's version, insert one event, insert one outbox
// row, commit), 32 clients on 2 000 streams. No app code involved: the
// ceiling for a withdraw that commits each command on its own.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withClient } from '../lib/database.mjs';
import { measurePgbench } from '../lib/pgbench.mjs';
import { ACCOUNTS, CLIENT_THREADS, ROOT } from '../lib/settings.mjs';

const CLIENTS = 32;
const SCHEMA = join(ROOT, 'bench/pgbench/command-schema.sql');
const SCRIPT = join(ROOT, 'bench/pgbench/command.sql');

/** @param {import('../worker.mjs').ScenarioContext} context */
export async function run({ databaseUrl, settings, log }) {
  await withClient(databaseUrl, async (client) => {
    await client.query(await readFile(SCHEMA, 'utf8'));
    // Every stream exists already, as the app's accounts are opened before the load.
    await client.query(
      `INSERT INTO pgbench_events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
       SELECT gen_random_uuid(), 'account-00000000-0000-4000-8000-' || lpad(s::text, 12, '0'), 'account', 1,
              'AccountOpened', 2,
              jsonb_build_object('accountId', s, 'ownerId', 'bench-owner', 'ownerName', 'Bench Owner',
                                 'currency', 'EUR', 'initialDeposit', 1000000000),
              '{"correlationId": "seed", "causationId": "seed", "actor": "bench"}'
         FROM generate_series(1, $1::int) s`,
      [ACCOUNTS],
    );
    await client.query('VACUUM ANALYZE pgbench_events');
  });

  return [
    await measurePgbench({
      name: 'pgbench-command',
      databaseUrl,
      script: SCRIPT,
      defines: { streams: ACCOUNTS },
      clients: CLIENTS,
      threads: CLIENT_THREADS,
      seconds: settings.seconds,
      warmupSeconds: settings.warmupSeconds,
      log,
    }),
  ];
}
