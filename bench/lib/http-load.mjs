// HTTP load as the HTTP scenarios measure it: CLIENT_THREADS worker threads
// (as many as pgbench's --jobs), each holding its share of the keep-alive
// connections, each connection sending one request and reading its answer
// before the next (no pipelining). An unmeasured warm-up, then BENCH_SECONDS;
// only 2xx answers count (their latency too, to the microsecond), the others
// are listed in `details`.
//
// The client is our own (http-load.worker.mjs) and does as little as an HTTP
// client can: the requests are written out as bytes once, and an answer is
// read only as far as its status and length. On two shared cores the load
// generator takes its CPU from the service it measures, and the baselines'
// client (pgbench, C) needs under half a core for twice the rate; autocannon,
// which builds and parses every request and answer in JavaScript, used about
// twice this client's CPU per answer — as much as the query-service it loaded.
import { Worker } from 'node:worker_threads';
import { CLIENT_THREADS } from './settings.mjs';
import { requestBytes } from './http-wire.mjs';
import { sleep } from './load.mjs';

/** Latencies are kept per microsecond up to this; slower ones count as this. */
const MAX_LATENCY_US = 2_000_000;

/**
 * @param {object} options
 * @param {string} options.name  the measurement's name
 * @param {string} options.url
 * @param {number} options.connections
 * @param {{method: string, path?: string, headers?: Record<string, string>}} options.request  what every request shares
 * @param {{path?: string, body?: string}[]} options.variants  each request takes one of these, at random
 * @param {number} options.seconds
 * @param {number} options.warmupSeconds
 * @param {(msg: string) => void} options.log
 * @returns {Promise<import('./report.mjs').Measurement>}
 */
export async function measureHttp({
  name,
  url,
  connections,
  request,
  variants,
  seconds,
  warmupSeconds,
  log,
}) {
  const { hostname, port } = new URL(url);
  const requests = variants.map((variant) =>
    requestBytes(
      `${hostname}:${port}`,
      request.method,
      variant.path ?? request.path ?? '/',
      request.headers ?? {},
      variant.body,
    ),
  );
  const threads = Array.from({ length: CLIENT_THREADS }, (_, i) => {
    const share = Math.floor(connections / CLIENT_THREADS) + (i < connections % CLIENT_THREADS ? 1 : 0);
    return new Worker(new URL('./http-load.worker.mjs', import.meta.url), {
      workerData: {
        host: hostname,
        port: Number(port),
        connections: share,
        requests,
        maxLatencyUs: MAX_LATENCY_US,
      },
    });
  });
  try {
    await Promise.all(threads.map((thread) => answer(thread, (message) => message === 'ready')));
    if (warmupSeconds > 0) {
      log(`warming up for ${warmupSeconds} s`);
      await sleep(warmupSeconds * 1000);
    }
    log(`${connections} connections from ${CLIENT_THREADS} threads for ${seconds} s`);
    for (const thread of threads) thread.postMessage('count');
    const started = performance.now();
    await sleep(seconds * 1000);
    const results = await Promise.all(
      threads.map((thread) => {
        const result = answer(thread, (message) => typeof message === 'object');
        thread.postMessage('stop');
        return result;
      }),
    );
    const took = (performance.now() - started) / 1000;
    return summary(name, connections, took, results);
  } finally {
    await Promise.all(threads.map((thread) => thread.terminate()));
  }
}

function answer(thread, wanted) {
  return new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (!wanted(message)) return;
      thread.off('message', onMessage);
      resolve(message);
    };
    thread.on('message', onMessage);
    thread.once('error', reject);
  });
}

/** One measurement row from every thread's counts and latency histogram. */
function summary(name, connections, seconds, results) {
  const latencies = new Float64Array(MAX_LATENCY_US + 1);
  const statuses = {};
  const errors = {};
  for (const result of results) {
    for (let us = 0; us < result.latencies.length; us++) latencies[us] += result.latencies[us];
    for (const [status, n] of Object.entries(result.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
    for (const [error, n] of Object.entries(result.errors)) errors[error] = (errors[error] ?? 0) + n;
  }
  const ok = Object.entries(statuses)
    .filter(([status]) => status.startsWith('2'))
    .reduce((sum, [, n]) => sum + n, 0);
  const non2xx = Object.fromEntries(Object.entries(statuses).filter(([status]) => !status.startsWith('2')));
  return {
    name,
    ops: ok,
    seconds,
    p50_ms: percentile(latencies, ok, 0.5),
    p99_ms: percentile(latencies, ok, 0.99),
    details: {
      connections,
      threads: CLIENT_THREADS,
      client: 'bench/lib/http-load.worker.mjs',
      non2xx,
      errors,
    },
  };
}

/** The latency (ms, to the µs) at quantile q of `count` answers, from the per-µs histogram. */
function percentile(latencies, count, q) {
  if (count === 0) return null;
  const rank = Math.ceil(q * count);
  let seen = 0;
  for (let us = 0; us < latencies.length; us++) {
    seen += latencies[us];
    if (seen >= rank) return us / 1000;
  }
  return MAX_LATENCY_US / 1000;
}
