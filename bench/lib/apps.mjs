// The apps as production runs them: `node dist/apps/<app>/src/main.js` (the
// run's copy of dist/, see dist-snapshot.mjs) as a child process on a free port, configured only by environment variables
// (apps/*/src/*.config.ts), stopped with SIGTERM.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { sleep } from './load.mjs';
import { DIST, ROOT } from './settings.mjs';
import { ISOLATE_TOPICS_PRELOAD } from './topics.mjs';

/**
 * @typedef {object} RunningApp
 * @property {string} name
 * @property {string} url
 * @property {() => Promise<number | string | null>} stop  SIGTERM (SIGKILL after 15 s); resolves with the exit code
 * @property {() => string} output  the tail of its stdout/stderr
 * @property {(name: string) => Promise<number | undefined>} metric  a Prometheus metric of /metrics (samples summed)
 * @property {() => number | undefined} cpuSeconds  CPU time it used so far (user + system; Linux only)
 */

/**
 * Extra node options for every app (BENCH_APP_NODE_ARGS, space-separated), to
 * look inside one run: e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, which
 * NODE_OPTIONS refuses. Each app writes its profile when SIGTERM stops it.
 */
const APP_NODE_ARGS = (process.env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** Children still running: killed when this process exits, however it exits. */
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts an app from dist/ and waits until its /health/ready (or `readyPath`) answers 200.
 * @param {'command-service' | 'outbox-relay' | 'projector' | 'query-service'} app
 * @param {object} [options]
 * @param {Record<string, string>} [options.env]  on top of this process's environment
 * @param {string} [options.topicPrefix]  run it on this run's own Kafka topics (see topics.mjs)
 * @param {string} [options.readyPath]
 * @param {number} [options.readyTimeoutMs]
 * @returns {Promise<RunningApp>}
 */
export async function startApp(
  app,
  { env = {}, topicPrefix, readyPath = '/health/ready', readyTimeoutMs = 60_000 } = {},
) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [
      ...APP_NODE_ARGS,
      ...(topicPrefix ? ['--import', ISOLATE_TOPICS_PRELOAD] : []),
      join(DIST, `apps/${app}/src/main.js`),
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        ...(topicPrefix ? { BENCH_TOPIC_PREFIX: topicPrefix } : {}),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.add(child);
  // Keep the tail of its output: it is the only clue when it fails.
  let output = '';
  const keep = (chunk) => (output = (output + chunk).slice(-8000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal);
    }),
  );

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? child.signalCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  const metric = async (name) => metricValue(await (await fetch(`${url}/metrics`)).text(), name);
  const cpuSeconds = () => processCpuSeconds(child.pid);
  const started = { name: app, url, stop, output: () => output, metric, cpuSeconds };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${app} exited (${await exited}) before it was ready:\n${output}`);
    }
    try {
      const res = await fetch(`${url}${readyPath}`);
      await res.arrayBuffer();
      if (res.status === 200) return started;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${app} was not ready within ${readyTimeoutMs} ms:\n${output}`);
    }
    await sleep(200);
  }
}

/**
 * Stops apps (in parallel); an exit other than 0 after SIGTERM is logged with
 * the app's output, it does not fail the scenario.
 * @param {(RunningApp | undefined)[]} apps
 * @param {(msg: string) => void} log
 */
export async function stopApps(apps, log) {
  await Promise.all(
    apps
      .filter((a) => a !== undefined)
      .map(async (a) => {
        const code = await a.stop();
        if (code !== 0) log(`${a.name} exited ${code} after SIGTERM:\n${a.output()}`);
      }),
  );
}

/** Sum of the samples of metric `name` in a Prometheus text exposition; undefined when absent. */
export function metricValue(text, name) {
  let sum;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) {
      sum = (sum ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

/** CPU time (user + system, seconds) process `pid` used so far, from /proc; undefined elsewhere. */
export function processCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Busy CPU time of the whole machine so far (all cores, seconds), from /proc/stat; undefined elsewhere. */
export function machineCpuSeconds() {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal …: everything but idle and iowait.
    const busy = ticks.slice(0, 8).reduce((sum, t, i) => (i === 3 || i === 4 ? sum : sum + t), 0);
    return busy / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux the bench runs on. */
const CLOCK_TICKS = 100;
