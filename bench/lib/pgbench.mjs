// pgbench, as the Postgres-alone baselines run it: a custom script, N clients,
// prepared statements, an unmeasured warm-up, then a measured run whose
// per-transaction log gives p50/p99. Throughput is pgbench's own tps.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latencySummary } from './load.mjs';

const PGBENCH = process.env.PGBENCH || 'pgbench';

/**
 * Runs `script` with pgbench for `seconds` (after `warmupSeconds` unmeasured)
 * and returns the measurement row `name`.
 * @param {object} options
 * @param {string} options.name
 * @param {string} options.databaseUrl
 * @param {string} options.script   path of the pgbench script
 * @param {Record<string, string | number>} [options.defines]  -D variables of the script
 * @param {number} options.clients
 * @param {number} options.threads
 * @param {number} options.seconds
 * @param {number} options.warmupSeconds
 * @param {(msg: string) => void} options.log
 * @returns {Promise<import('./report.mjs').Measurement>}
 */
export async function measurePgbench({
  name,
  databaseUrl,
  script,
  defines = {},
  clients,
  threads,
  seconds,
  warmupSeconds,
  log,
}) {
  const run = { databaseUrl, script, defines, clients, threads };
  const measured = Math.max(1, Math.round(seconds));
  const warmup = Math.round(warmupSeconds);
  if (warmup > 0) {
    log(`warming up for ${warmup} s`);
    await pgbench({ ...run, seconds: warmup });
  }
  log(`pgbench: ${clients} clients, ${threads} threads, ${measured} s`);
  const logDir = await mkdtemp(join(tmpdir(), 'bench-pgbench-'));
  try {
    const output = await pgbench({ ...run, seconds: measured, logPrefix: join(logDir, 'tx') });
    const summary = parseSummary(output);
    const latencies = await transactionLatencies(logDir);
    return {
      name,
      ops: summary.transactions,
      // pgbench's tps leaves out connection set-up; keep ops / seconds equal to it.
      seconds: summary.transactions / summary.tps,
      ops_per_s: summary.tps,
      ...latencySummary(latencies),
      details: {
        clients,
        threads,
        failed: summary.failed,
        aborted_clients: summary.abortedClients,
        latency_avg_ms: summary.latencyAverageMs,
      },
    };
  } finally {
    await rm(logDir, { recursive: true, force: true });
  }
}

/**
 * Runs the script once; with `logPrefix`, pgbench writes one line per
 * transaction (its latency in µs) to files starting with that prefix.
 * @returns {Promise<string>} pgbench's report
 */
function pgbench({ databaseUrl, script, defines, clients, threads, seconds, logPrefix }) {
  const args = [
    '--no-vacuum',
    `--client=${clients}`,
    `--jobs=${threads}`,
    `--time=${seconds}`,
    '--protocol=prepared',
    ...Object.entries(defines).map(([k, v]) => `--define=${k}=${v}`),
    `--file=${script}`,
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
