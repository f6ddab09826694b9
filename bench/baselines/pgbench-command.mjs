// Baseline `pgbench-command`: what Postgres alone does with one transaction
// per command (read the stream's version, insert one event, insert one outbox
// row, commit), 32 clients on 2 000 streams. No app code involved: the
// ceiling for a withdraw that commits each command on its own.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withClient } from '../lib/database.mjs';
import { latencySummary } from '../lib/load.mjs';
import { ACCOUNTS, ROOT } from '../lib/settings.mjs';

const CLIENTS = 32;
const THREADS = 2;
const SCHEMA = join(ROOT, 'bench/pgbench/command-schema.sql');
const SCRIPT = join(ROOT, 'bench/pgbench/command.sql');
const PGBENCH = process.env.PGBENCH || 'pgbench';

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

  const seconds = Math.max(1, Math.round(settings.seconds));
  const warmup = Math.round(settings.warmupSeconds);
  if (warmup > 0) {
    log(`warming up for ${warmup} s`);
    await pgbench(databaseUrl, warmup);
  }
  log(`pgbench: ${CLIENTS} clients, ${THREADS} threads, ${seconds} s`);
  const logDir = await mkdtemp(join(tmpdir(), 'bench-pgbench-'));
  try {
    const output = await pgbench(databaseUrl, seconds, join(logDir, 'tx'));
    const summary = parseSummary(output);
    const latencies = await transactionLatencies(logDir);
    return [
      {
        name: 'pgbench-command',
        ops: summary.transactions,
        // pgbench's tps leaves out connection set-up; keep ops / seconds equal to it.
        seconds: summary.transactions / summary.tps,
        ops_per_s: summary.tps,
        ...latencySummary(latencies),
        details: {
          clients: CLIENTS,
          threads: THREADS,
          failed: summary.failed,
          aborted_clients: summary.abortedClients,
          latency_avg_ms: summary.latencyAverageMs,
        },
      },
    ];
  } finally {
    await rm(logDir, { recursive: true, force: true });
  }
}

/**
 * Runs the command script; with `logPrefix`, pgbench writes one line per
 * transaction (its latency in µs) to files starting with that prefix.
 * @returns {Promise<string>} pgbench's report
 */
function pgbench(databaseUrl, seconds, logPrefix) {
  const args = [
    '--no-vacuum',
    `--client=${CLIENTS}`,
    `--jobs=${THREADS}`,
    `--time=${seconds}`,
    '--protocol=prepared',
    `--define=streams=${ACCOUNTS}`,
    `--file=${SCRIPT}`,
    ...(logPrefix ? ['--log', `--log-prefix=${logPrefix}`] : []),
    databaseUrl,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(PGBENCH, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (err) =>
      reject(
        err.code === 'ENOENT'
          ? new Error(`${PGBENCH} not found: install the Postgres client tools or set PGBENCH to its path`)
          : err,
      ),
    );
    // Exit 2 means some client hit an error mid-run; the report is still
    // printed, and parseSummary insists on it.
    child.on('exit', (code) =>
      code === 0 || code === 2 ? resolve(output) : reject(new Error(`pgbench exited ${code}:\n${output}`)),
    );
  });
}

function parseSummary(output) {
  const match = (re) => output.match(re)?.[1];
  const transactions = Number(match(/number of transactions actually processed: (\d+)/));
  const tps = Number(match(/tps = ([\d.]+) \(without initial connection time\)/));
  if (!Number.isFinite(transactions) || !Number.isFinite(tps) || tps <= 0) {
    throw new Error(`could not read pgbench's report:\n${output}`);
  }
  return {
    transactions,
    tps,
    failed: Number(match(/number of failed transactions: (\d+)/) ?? 0),
    latencyAverageMs: Number(match(/latency average = ([\d.]+) ms/)),
    abortedClients: (output.match(/client \d+ aborted/g) ?? []).length,
  };
}

/** Latencies (ms) of the successful transactions in pgbench's per-transaction logs. */
async function transactionLatencies(logDir) {
  const latencies = [];
  for (const file of await readdir(logDir)) {
    const text = await readFile(join(logDir, file), 'utf8');
    for (const line of text.split('\n')) {
      // client_id transaction_no time_us script_no epoch epoch_us; "failed" instead of a time.
      const micros = Number(line.split(' ')[2]);
      if (line && Number.isFinite(micros)) latencies.push(micros / 1000);
    }
  }
  return latencies;
}
