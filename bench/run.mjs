#!/usr/bin/env node
// `npm run bench [-- <name>...]`: builds the apps, makes sure Postgres runs
// (infra/, like the tests), then runs each selected scenario and the baselines
// it compares to, each in its own worker process on a freshly recreated
// database `cqrs_bank_bench`. Prints a table and writes
// bench/results/latest.json. Exits 0 even when targets are missed; 1 when a
// scenario or baseline crashed, 2 on bad arguments or settings.
import { fork, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { kafkaStatus } from '../infra/kafka.mjs';
import { DEFAULT_DATABASE_URL, ensurePostgres, recreateDatabase } from '../infra/postgres.mjs';
import { benchDatabaseUrl } from './lib/database.mjs';
import { snapshotDist } from './lib/dist-snapshot.mjs';
import { buildRows, formatTable } from './lib/report.mjs';
import { benchSettings, ROOT } from './lib/settings.mjs';
import { plan, SCENARIOS } from './scenarios.mjs';

/** Runs of a Kafka scenario interrupted by a broker outage, at most, before its error is reported. */
const MAX_BROKER_RETRIES = 2;
const BROKER_WAIT_MS = 180_000;
const DIST_HOOK = pathToFileURL(join(ROOT, 'bench/lib/dist-hook.mjs')).href;
/** Extra node options for the scenario workers (BENCH_WORKER_NODE_ARGS, space-separated): the in-process scenarios run there. */
const WORKER_NODE_ARGS = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
const USAGE = `Usage: npm run bench [-- <name>...]

Runs every scenario, or only the named ones and the baselines they compare to.
Names: ${SCENARIOS.map((s) => s.name).join(', ')}
Settings (environment): BENCH_SECONDS (15), BENCH_WARMUP_SECONDS (2),
  BENCH_AGGREGATE_EVENTS (1000000), BENCH_REBUILD_EVENTS (1000000), BENCH_E2E_SECONDS (30),
  BENCH_E2E_RATE (500), BENCH_E2E_WARMUP_SECONDS (10), BENCH_E2E_READ (http | listen), BENCH_SKIP_BUILD (0), BENCH_APP_NODE_ARGS (none), BENCH_WORKER_NODE_ARGS (none), DATABASE_URL (the server
  to use), KAFKA_BROKERS (the broker to use, else the local one), PGBENCH (pgbench)`;

const args = process.argv.slice(2);
if (args.includes('-h') || args.includes('--help')) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
let selected;
let settings;
try {
  selected = plan(args);
  settings = benchSettings();
} catch (err) {
  process.stderr.write(`bench: ${err.message}\n\n${USAGE}\n`);
  process.exit(2);
}

// The scenarios import the compiled apps from dist/: build first (unless the
// caller just did and says so).
if (process.env.BENCH_SKIP_BUILD === '1') {
  log('BENCH_SKIP_BUILD=1: using dist/ as it is');
} else {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) {
    log('npm run build failed: nothing was measured');
    process.exit(build.status ?? 1);
  }
}

// The build this run measures, whoever rebuilds dist/ meanwhile (see lib/dist-snapshot.mjs).
const snapshot = await snapshotDist(log);
process.on('exit', snapshot.remove);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

let postgresStarted = false;
const databaseUrl = await ensurePostgres({
  log: (msg) => {
    if (/^starting embedded Postgres/.test(msg)) postgresStarted = true;
    log(msg);
  },
  url: benchDatabaseUrl(process.env.DATABASE_URL || DEFAULT_DATABASE_URL),
});
log(
  `database ${new URL(databaseUrl).host}${new URL(databaseUrl).pathname}; ` +
    `${settings.seconds} s per measurement after ${settings.warmupSeconds} s of warm-up`,
);

// What the apps read from the environment (and nothing they should not):
// production mode with a secret and a personal-data master key of this run, quiet logs, the bench database.
const workerEnv = { ...process.env };
for (const name of ['JWT_PUBLIC_KEY', 'JWT_ISSUER', 'JWT_AUDIENCE', 'PORT', 'HOST']) delete workerEnv[name];
Object.assign(workerEnv, {
  DATABASE_URL: databaseUrl,
  NODE_ENV: 'production',
  JWT_SECRET: randomBytes(32).toString('base64url'),
  PERSONAL_DATA_MASTER_KEY: randomBytes(32).toString('base64'),
  LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
  // Every scenario calls as one teller far above the production default: keep the
  // per-caller limiter on (its cost is measured) but out of reach.
  RATE_LIMIT_PER_MINUTE: process.env.RATE_LIMIT_PER_MINUTE || '1000000000',
  BENCH_DIST: snapshot.dist,
});

const outcomes = new Map();
let crashed = false;
for (const scenario of selected) {
  const started = Date.now();
  let outcome;
  let attempt = 1;
  for (; ; attempt++) {
    // Nothing carries over between scenarios: every one starts on an empty database.
    await recreateDatabase(databaseUrl);
    log(`${scenario.name}: running${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
    outcome = await runWorker(scenario, workerEnv);
    // The shared broker went away mid-run (the integration tests stop it to test
    // outages): run the scenario again once it is back, rather than report that.
    if (!outcome.brokerOutage || attempt > MAX_BROKER_RETRIES) break;
    log(`${scenario.name}: ${outcome.error.split('\n')[0]}; running it again when the broker answers`);
    await waitForBroker(BROKER_WAIT_MS);
  }
  if (outcome.measurements && attempt > 1) {
    for (const m of outcome.measurements) m.details = { ...m.details, attempts: attempt };
  }
  log(
    `${scenario.name}: ${outcome.error ? 'FAILED' : 'done'} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  if (outcome.error) {
    crashed = true;
    process.stderr.write(`${outcome.error}\n`);
  }
  outcomes.set(scenario.name, outcome);
}

const rows = buildRows(selected, outcomes);
process.stdout.write(`\n${formatTable(rows)}\n\n${infraSummary(databaseUrl, postgresStarted, outcomes)}\n`);
const resultsDir = join(ROOT, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(rows, null, 2)}\n`);
log('wrote bench/results/latest.json');
process.exit(crashed ? 1 : 0);

/**
 * Runs bench/worker.mjs for one scenario; resolves with what it reported.
 * @returns {Promise<{ measurements?: import('./lib/report.mjs').Measurement[], error?: string }>}
 */
function runWorker(scenario, env) {
  return new Promise((resolve) => {
    let reported;
    const child = fork(join(ROOT, 'bench', 'worker.mjs'), [scenario.name], {
      cwd: ROOT,
      env,
      // Its imports of dist/ load the run's copy of it.
      execArgv: ['--import', DIST_HOOK, ...(scenario.execArgv ?? []), ...WORKER_NODE_ARGS],
      stdio: 'inherit',
    });
    child.on('message', (message) => (reported = message));
    child.on('error', (err) => (reported ??= { error: err.message }));
    child.on('exit', (code, signal) => {
      if (reported) resolve(reported);
      else resolve({ error: `worker exited (${code ?? signal}) without reporting` });
    });
  });
}

/** Resolves once the broker answers again, or after `timeoutMs` (then the next attempt's ensureKafka starts one). */
async function waitForBroker(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !(await kafkaStatus()).up) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** What the run ran on, and what it started (left running, as `npm test` leaves it). */
function infraSummary(databaseUrl, postgresStarted, outcomes) {
  const url = new URL(databaseUrl);
  const lines = [
    `infra: Postgres ${url.host}${url.pathname} (${postgresStarted ? 'embedded server started by this run, left running' : 'already running'})`,
  ];
  const kafkaUsers = [...outcomes].filter(([, o]) => o.infra?.kafka);
  if (kafkaUsers.length > 0) {
    const { brokers, managed } = kafkaUsers[0][1].infra.kafka;
    const startedBy = kafkaUsers.find(([, o]) => o.infra.kafka.started)?.[0];
    const how = startedBy
      ? `local broker (.local/kafka) started by ${startedBy}, left running`
      : `already running${managed ? ', local broker (.local/kafka)' : ''}`;
    lines.push(
      `       Kafka ${brokers} (${how}) for ${kafkaUsers.map(([name]) => name).join(', ')}; ` +
        'each run used its own topics and consumer groups (bench.<scenario>.<run>.*), deleted afterwards',
    );
  }
  return lines.join('\n');
}
