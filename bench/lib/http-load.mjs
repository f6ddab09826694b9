// HTTP load with autocannon, as the HTTP scenarios measure it: an unmeasured
// warm-up, then BENCH_SECONDS; only 2xx answers count (their latency too),
// the others are listed in `details`. Latency has autocannon's 1 ms resolution.
import autocannon from 'autocannon';

/**
 * @param {object} options
 * @param {string} options.name  the measurement's name
 * @param {string} options.url
 * @param {number} options.connections
 * @param {object[]} options.requests  autocannon request definitions
 * @param {number} options.seconds
 * @param {number} options.warmupSeconds
 * @param {(msg: string) => void} options.log
 * @returns {Promise<import('./report.mjs').Measurement>}
 */
export async function measureHttp({ name, url, connections, requests, seconds, warmupSeconds, log }) {
  // Latency percentiles of the answers that count (2xx), like the other rows.
  const options = { url, connections, excludeErrorStats: true, requests };
  if (warmupSeconds > 0) {
    log(`warming up for ${warmupSeconds} s`);
    await autocannon({ ...options, duration: warmupSeconds });
  }
  log(`${connections} connections for ${seconds} s`);
  const result = await autocannon({ ...options, duration: seconds });

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
    details: { connections, non2xx, errors: result.errors, timeouts: result.timeouts },
  };
}
