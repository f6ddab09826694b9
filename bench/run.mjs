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
import { DEFAULT_DATABASE_URL, ensurePostgres, recreateDatabase } from '../infra/postgres.mjs';
import { benchDatabaseUrl } from './lib/database.mjs';
import { buildRows, formatTable } from './lib/report.mjs';
import { benchSettings, ROOT } from './lib/settings.mjs';
import { plan, SCENARIOS } from './scenarios.mjs';

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
const USAGE = `Usage: npm run bench [-- <name>...]

Runs every scenario, or only the named ones and the baselines they compare to.
Names: ${SCENARIOS.map((s) => s.name).join(', ')}
Settings (environment): BENCH_SECONDS (15), BENCH_WARMUP_SECONDS (2),
  BENCH_AGGREGATE_EVENTS (1000000), BENCH_SKIP_BUILD (0), DATABASE_URL (the server
  to use), PGBENCH (pgbench)`;

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

const databaseUrl = await ensurePostgres({
  log,
  url: benchDatabaseUrl(process.env.DATABASE_URL || DEFAULT_DATABASE_URL),
});
log(
  `database ${new URL(databaseUrl).host}${new URL(databaseUrl).pathname}; ` +
    `${settings.seconds} s per measurement after ${settings.warmupSeconds} s of warm-up`,
);

// What the apps read from the environment (and nothing they should not):
// production mode with a secret of this run, quiet logs, the bench database.
const workerEnv = { ...process.env };
for (const name of ['JWT_PUBLIC_KEY', 'JWT_ISSUER', 'JWT_AUDIENCE', 'PORT', 'HOST']) delete workerEnv[name];
Object.assign(workerEnv, {
  DATABASE_URL: databaseUrl,
  NODE_ENV: 'production',
  JWT_SECRET: randomBytes(32).toString('base64url'),
  LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
});

const outcomes = new Map();
let crashed = false;
for (const scenario of selected) {
  // Nothing carries over between scenarios: every one starts on an empty database.
  await recreateDatabase(databaseUrl);
  log(`${scenario.name}: running`);
  const started = Date.now();
  const outcome = await runWorker(scenario, workerEnv);
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
process.stdout.write(`\n${formatTable(rows)}\n`);
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
      execArgv: scenario.execArgv ?? [],
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
