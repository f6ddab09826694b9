// The bench's knobs, read from the environment in this one place (run.mjs
// validates them up front; each worker reads the same values).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (bench/lib/ → ../..). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The compiled apps the run measures: run.mjs's private copy of dist/
 * (BENCH_DIST, see dist-snapshot.mjs), or dist/ itself outside a run.
 */
export const DIST = process.env.BENCH_DIST || join(ROOT, 'dist');

/** The bench's own database: tests and the bench never share data. */
export const BENCH_DATABASE = 'cqrs_bank_bench';

/**
 * Threads of the load generators: pgbench's --jobs and http-load.mjs's threads,
 * so an HTTP scenario's client has the CPU its pgbench baseline's has.
 */
export const CLIENT_THREADS = 2;

/** Accounts (streams) the withdraw scenarios and baselines spread their load over. */
export const ACCOUNTS = 2000;

/** Opening balance of every account: withdrawals of 1 never run one dry during a run. */
export const OPENING_DEPOSIT = 1_000_000_000;

/**
 * @typedef {object} BenchSettings
 * @property {number} seconds         measured seconds per load phase (BENCH_SECONDS, default 15)
 * @property {number} warmupSeconds   unmeasured seconds before each load phase (BENCH_WARMUP_SECONDS, default 2)
 * @property {number} aggregateEvents events in the aggregate-load stream (BENCH_AGGREGATE_EVENTS, default 1 000 000)
 * @property {number} rebuildEvents   stored events the `rebuild` scenario replays (BENCH_REBUILD_EVENTS, default 1 000 000)
 * @property {number} e2eSeconds      measured seconds of e2e-lag's open-loop load (BENCH_E2E_SECONDS, default 30)
 * @property {number} e2eRate         withdrawals per second e2e-lag schedules (BENCH_E2E_RATE, default 500)
 * @property {number} e2eWarmupSeconds unmeasured seconds of e2e-lag's load before the measured ones (BENCH_E2E_WARMUP_SECONDS, default 10)
 * @property {'http' | 'listen'} e2eRead  how e2e-lag sees the read side (BENCH_E2E_READ, default http)
 */

/**
 * @param {Record<string, string | undefined>} env
 * @returns {BenchSettings}
 */
export function benchSettings(env = process.env) {
  return {
    seconds: number(env, 'BENCH_SECONDS', 15, { min: 1 }),
    warmupSeconds: number(env, 'BENCH_WARMUP_SECONDS', 2, { min: 0 }),
    aggregateEvents: number(env, 'BENCH_AGGREGATE_EVENTS', 1_000_000, { min: 2, integer: true }),
    rebuildEvents: number(env, 'BENCH_REBUILD_EVENTS', 1_000_000, { min: 1, integer: true }),
    e2eSeconds: number(env, 'BENCH_E2E_SECONDS', 30, { min: 1 }),
    e2eRate: number(env, 'BENCH_E2E_RATE', 500, { min: 1 }),
    e2eWarmupSeconds: number(env, 'BENCH_E2E_WARMUP_SECONDS', 10, { min: 0 }),
    e2eRead: oneOf(env, 'BENCH_E2E_READ', ['http', 'listen']),
  };
}

/** The variable's value among `allowed`; the first one when unset. */
function oneOf(env, name, allowed) {
  const raw = env[name];
  if (raw === undefined || raw === '') return allowed[0];
  if (!allowed.includes(raw)) {
    throw new Error(`${name} must be one of ${allowed.join(', ')}, not ${JSON.stringify(raw)}`);
  }
  return raw;
}

function number(env, name, fallback, { min, integer = false }) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new Error(
      `${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, not ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/** Outbox rows the `relay` scenario publishes, and messages `kafka-producer-perf` sends. */
export const RELAY_MESSAGES = 200_000;

/** Messages published before the measured ones (unmeasured), when BENCH_WARMUP_SECONDS > 0. */
export const RELAY_WARMUP_MESSAGES = 10_000;
