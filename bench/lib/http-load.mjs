// HTTP load with autocannon, as the HTTP scenarios measure it: an unmeasured
// warm-up, then BENCH_SECONDS; only 2xx answers count (their latency too),
// the others are listed in `details`. Latency has autocannon's 1 ms resolution.
//
// autocannon runs in CLIENT_THREADS worker threads, as many as pgbench's
// --jobs: one JavaScript thread parsing every answer would measure the load
// generator (about 10 000 answers/s here, from a server that does nothing),
// not the service, and the baselines' client is not held to one thread either.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { CLIENT_THREADS } from './settings.mjs';

const SETUP_REQUEST = fileURLToPath(new URL('./http-variant.cjs', import.meta.url));

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
  const dir = mkdtempSync(join(tmpdir(), 'bench-http-'));
  const variantsFile = join(dir, 'variants.json');
  writeFileSync(variantsFile, JSON.stringify(variants));
  // Worker threads start with a copy of this environment.
  process.env.BENCH_HTTP_VARIANTS = variantsFile;
  // Latency percentiles of the answers that count (2xx), like the other rows.
  const options = {
    url,
    connections,
    workers: CLIENT_THREADS,
    excludeErrorStats: true,
    requests: [{ ...request, setupRequest: SETUP_REQUEST }],
  };
  let result;
  try {
    if (warmupSeconds > 0) {
      log(`warming up for ${warmupSeconds} s`);
      await autocannon({ ...options, duration: warmupSeconds });
    }
    log(`${connections} connections from ${CLIENT_THREADS} threads for ${seconds} s`);
    result = await autocannon({ ...options, duration: seconds });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const byStatus = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([status, { count }]) => [status, Number(count)]),
  );
  const ok = Object.entries(byStatus)
    .filter(([status]) => status.startsWith('2'))
    .reduce((sum, [, count]) => sum + count, 0);
  const non2xx = Object.fromEntries(Object.entries(byStatus).filter(([status]) => !status.startsWith('2')));
  return {
    name,
    ops: ok,
    seconds: result.duration,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    details: {
      connections,
      threads: CLIENT_THREADS,
      non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
    },
  };
}
