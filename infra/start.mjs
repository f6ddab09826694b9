#!/usr/bin/env node
// `npm start`: local infrastructure, migrations, then the four apps in one
// foreground supervisor with prefixed logs. Ctrl-C stops everything it started.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ensurePostgres, postgresStatus, stopPostgres } from './postgres.mjs';
import { ensureKafka, kafkaStatus, stopKafka } from './kafka.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const APPS = [
  { name: 'command-service', port: 3000, color: 36 },
  { name: 'query-service', port: 3001, color: 32 },
  { name: 'projector', port: 3002, color: 35 },
  { name: 'outbox-relay', port: 3003, color: 33 },
];
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 15_000;

const tty = process.stdout.isTTY;
const paint = (color, text) => (tty ? `\x1b[${color}m${text}\x1b[0m` : text);
const say = (msg) => console.log(`${paint(1, '[start]')} ${msg}`);

const children = new Map();
let stopping = false;
let startedPostgres = false;
let startedKafka = false;

function prefixLines(stream, app, sink) {
  const label = paint(app.color, `[${app.name}]`.padEnd(18));
  createInterface({ input: stream }).on('line', (line) => sink.write(`${label} ${line}\n`));
}

async function waitReady(port, deadline) {
  while (Date.now() < deadline && !stopping) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(5000) });
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  say('stopping the apps…');
  const exits = [...children.entries()].map(
    ([name, child]) =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          say(`${name} stopped (${signal ?? `exit ${code}`})`);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  );
  await Promise.all(exits);
  if (startedKafka) await stopKafka({ log: say }).catch((err) => say(`kafka: ${err.message}`));
  if (startedPostgres) await stopPostgres({ log: say }).catch((err) => say(`postgres: ${err.message}`));
  say('stopped');
  process.exit(code);
}

async function main() {
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  const [pgBefore, kafkaBefore] = await Promise.all([postgresStatus(), kafkaStatus()]);
  const [databaseUrl, brokers] = await Promise.all([ensurePostgres({ log: say }), ensureKafka({ log: say })]);
  startedPostgres = !pgBefore.up;
  startedKafka = !kafkaBefore.up;

  if (process.env.START_SKIP_BUILD !== '1') {
    say('building (tsc)…');
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) return shutdown(1);
  }
  const env = { ...process.env, DATABASE_URL: databaseUrl, KAFKA_BROKERS: brokers };
  say('migrating…');
  const migrate = spawnSync(process.execPath, ['dist/libs/event-store/src/migrate.main.js'], {
    cwd: ROOT,
    env,
    stdio: 'inherit',
  });
  if (migrate.status !== 0) return shutdown(1);

  for (const app of APPS) {
    const child = spawn(process.execPath, ['--enable-source-maps', `dist/apps/${app.name}/src/main.js`], {
      cwd: ROOT,
      env: { ...env, PORT: String(app.port), MIGRATIONS_RUN: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prefixLines(child.stdout, app, process.stdout);
    prefixLines(child.stderr, app, process.stderr);
    child.on('exit', (code, signal) => {
      if (stopping) return;
      say(`${app.name} exited (${signal ?? code}); stopping everything`);
      void shutdown(1);
    });
    children.set(app.name, child);
  }

  const deadline = Date.now() + READY_TIMEOUT_MS;
  const ready = await Promise.all(APPS.map((app) => waitReady(app.port, deadline)));
  if (stopping) return;
  if (!ready.every(Boolean)) {
    say(
      `not ready within ${READY_TIMEOUT_MS / 1000} s: ${APPS.filter((_, i) => !ready[i])
        .map((a) => a.name)
        .join(', ')}`,
    );
    return shutdown(1);
  }
  say('all apps ready:');
  for (const app of APPS) {
    console.log(
      `  ${app.name.padEnd(16)} http://localhost:${app.port}   (docs: /docs, health: /health/ready, metrics: /metrics)`,
    );
  }
  say('Ctrl-C stops everything started here.');
}

main().catch((err) => {
  console.error(`[start] ${err instanceof Error ? err.message : err}`);
  void shutdown(1);
});
