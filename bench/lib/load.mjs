// Closed-loop load generation and latency summaries shared by the in-process
// scenarios and baselines, so every Node-driven figure is measured the same way.
import { performance } from 'node:perf_hooks';

/**
 * @typedef {object} LoadResult
 * @property {number} ops        operations that succeeded inside the measured window
 * @property {number} seconds    length of the measured window (until the last of them finished)
 * @property {number[]} latenciesMs  one per successful operation
 * @property {Record<string, number>} errors  failed operations by error code
 */

/**
 * Runs `op` from `callers` concurrent loops: each caller starts its next
 * operation as soon as the previous one finished (a closed loop, like
 * pgbench's clients). Operations started during the warm-up are not counted;
 * after `seconds` of measurement no new operation starts.
 *
 * @param {object} options
 * @param {number} options.callers
 * @param {number} options.seconds
 * @param {number} [options.warmupSeconds]
 * @param {(caller: number) => Promise<unknown>} options.op  resolves on success, rejects on failure
 * @returns {Promise<LoadResult>}
 */
export async function closedLoop({ callers, seconds, warmupSeconds = 0, op }) {
  const measureFrom = performance.now() + warmupSeconds * 1000;
  const until = measureFrom + seconds * 1000;
  const latenciesMs = [];
  const errors = {};

  async function caller(index) {
    for (;;) {
      const start = performance.now();
      if (start >= until) return;
      const measured = start >= measureFrom;
      try {
        await op(index);
        if (measured) latenciesMs.push(performance.now() - start);
      } catch (err) {
        if (measured) {
          const code = errorCode(err);
          errors[code] = (errors[code] ?? 0) + 1;
        }
      }
    }
  }

  await Promise.all(Array.from({ length: callers }, (_, i) => caller(i)));
  const elapsed = (performance.now() - measureFrom) / 1000;
  return { ops: latenciesMs.length, seconds: elapsed, latenciesMs, errors };
}

/**
 * Runs `task` on every item with at most `concurrency` in flight (seeding).
 * @template T, R
 * @param {T[]} items
 * @param {number} concurrency
 * @param {(item: T, index: number) => Promise<R>} task
 * @returns {Promise<R[]>}
 */
export async function mapConcurrently(items, concurrency, task) {
  const results = new Array(items.length);
  let next = 0;
  async function lane() {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i], i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}

/**
 * Nearest-rank percentile of unsorted samples (milliseconds); null without samples.
 * @param {number[]} samples
 * @param {number} q  0 < q ≤ 1
 */
export function percentile(samples, q) {
  if (samples.length === 0) return null;
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

/** p50/p99 of latency samples, in milliseconds. */
export function latencySummary(samples) {
  return { p50_ms: percentile(samples, 0.5), p99_ms: percentile(samples, 0.99) };
}

/** A short, stable label for an error: its code (pg, ProblemError, domain) or class name. */
export function errorCode(err) {
  if (err && typeof err === 'object') {
    if (typeof err.code === 'string' && err.code) return err.code;
    if (err instanceof Error) return err.name;
  }
  return String(err);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A uniformly random element. */
export function pick(items) {
  return items[Math.floor(Math.random() * items.length)];
}
