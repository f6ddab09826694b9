// Every scenario and baseline `npm run bench` knows, with the targets of
// BENCH.md. A scenario's worker may report several measurements (rows); each
// row's targets say which baseline it is compared with.

/**
 * @typedef {object} Target
 * @property {string} [baseline]    baseline the throughput ratio is taken against
 * @property {number} [minRatio]    ops/s ≥ minRatio × the baseline's ops/s
 * @property {number} [minOpsPerS]  absolute throughput floor (in the row's unit per second)
 * @property {number} [maxP50Ms]
 * @property {number} [maxP99Ms]
 */

/**
 * @typedef {object} Scenario
 * @property {string} name
 * @property {'baseline' | 'scenario'} kind
 * @property {string} module  path of the module exporting `run(context)`, relative to bench/
 * @property {Record<string, Target[]>} [targets]  by row name
 * @property {string[]} [execArgv]  Node options for its worker process
 * @property {boolean} [kafka]  needs a Kafka broker: the worker makes sure one runs (infra/kafka.mjs)
 */

/** @type {Scenario[]} In the order they run: baselines first. */
export const SCENARIOS = [
  { name: 'pgbench-command', kind: 'baseline', module: './baselines/pgbench-command.mjs' },
  { name: 'pgbench-read', kind: 'baseline', module: './baselines/pgbench-read.mjs' },
  { name: 'emmett', kind: 'baseline', module: './baselines/emmett.mjs' },
  {
    name: 'kafka-producer-perf',
    kind: 'baseline',
    module: './baselines/kafka-producer-perf.mjs',
    kafka: true,
  },
  {
    name: 'withdraw-inproc',
    kind: 'scenario',
    module: './scenarios/withdraw-inproc.mjs',
    targets: {
      'withdraw-inproc': [
        { baseline: 'emmett', minRatio: 2.0 },
        { baseline: 'pgbench-command', minRatio: 1.0 },
      ],
    },
  },
  {
    name: 'withdraw-http',
    kind: 'scenario',
    module: './scenarios/withdraw-http.mjs',
    targets: { 'withdraw-http': [{ baseline: 'emmett', minRatio: 1.5, maxP99Ms: 50 }] },
  },
  {
    name: 'balance-http',
    kind: 'scenario',
    module: './scenarios/balance-http.mjs',
    targets: { 'balance-http': [{ baseline: 'pgbench-read', minRatio: 0.5 }] },
  },
  {
    name: 'relay',
    kind: 'scenario',
    module: './scenarios/relay.mjs',
    kafka: true,
    targets: {
      relay: [{ minOpsPerS: 20_000 }, { baseline: 'kafka-producer-perf', minRatio: 0.5 }],
    },
  },
  {
    name: 'projector',
    kind: 'scenario',
    module: './scenarios/projector.mjs',
    kafka: true,
    targets: { projector: [{ minOpsPerS: 10_000 }] },
  },
  {
    name: 'rebuild',
    kind: 'scenario',
    module: './scenarios/rebuild.mjs',
    targets: { rebuild: [{ minOpsPerS: 20_000 }] },
  },
  {
    name: 'e2e-lag',
    kind: 'scenario',
    module: './scenarios/e2e-lag.mjs',
    kafka: true,
    targets: { 'e2e-lag': [{ maxP99Ms: 100 }] },
  },
  {
    name: 'aggregate-load',
    kind: 'scenario',
    module: './scenarios/aggregate-load.mjs',
    // A million events held at once: more heap than Node's default on small machines.
    execArgv: ['--max-old-space-size=4096'],
    targets: {
      'aggregate-load/cold': [{ minOpsPerS: 200_000 }],
      'aggregate-load/snapshot': [{ maxP50Ms: 5 }],
    },
  },
];

/** Baselines a scenario's targets refer to. */
export function baselinesOf(scenario) {
  return Object.values(scenario.targets ?? {})
    .flat()
    .map((t) => t.baseline)
    .filter(Boolean);
}

/**
 * The scenarios to run for the names given on the command line (all when
 * none), plus the baselines they compare to, in SCENARIOS order.
 * @param {string[]} names
 * @returns {Scenario[]}
 */
export function plan(names) {
  if (names.length === 0) return SCENARIOS;
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new Error(
      `unknown scenario ${unknown.map((n) => JSON.stringify(n)).join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  }
  const wanted = new Set(names);
  for (const name of names) {
    for (const baseline of baselinesOf(SCENARIOS.find((s) => s.name === name))) wanted.add(baseline);
  }
  return SCENARIOS.filter((s) => wanted.has(s.name));
}
