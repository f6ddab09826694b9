// Runs ONE scenario or baseline, in its own process, for bench/run.mjs; reports
// its measurements over the IPC channel. A process per scenario keeps them
// from skewing each other: Emmett's driver replaces pg's global JSON parsers,
// Nest reads its config from this process's environment, and a warm JIT, a
// grown heap or a leftover pool must not carry over into the next figure.
//
// Nest's decorators need Reflect.metadata before any decorated class loads.
import 'reflect-metadata';
import { benchSettings } from './lib/settings.mjs';
import { SCENARIOS } from './scenarios.mjs';

/**
 * What a scenario's `run` receives.
 * @typedef {object} ScenarioContext
 * @property {string} databaseUrl  the bench database, freshly recreated for this scenario
 * @property {import('./lib/settings.mjs').BenchSettings} settings
 * @property {(msg: string) => void} log  progress, to stderr
 * @property {import('./lib/kafka.mjs').KafkaInfra} [kafka]  the broker, for scenarios with `kafka: true`
 */

const name = process.argv[2];
const scenario = SCENARIOS.find((s) => s.name === name);
if (!process.send || !scenario) {
  process.stderr.write('bench/worker.mjs is started by bench/run.mjs (npm run bench)\n');
  process.exit(2);
}

const send = (message) => new Promise((resolve) => process.send(message, () => resolve()));
/** Infrastructure this scenario made sure of, for run.mjs's summary. */
const infra = {};
/** lib/kafka.mjs, for the scenarios that need a broker. */
let kafka;

try {
  const { run } = await import(scenario.module);
  /** @type {ScenarioContext} */
  const context = {
    databaseUrl: process.env.DATABASE_URL,
    settings: benchSettings(),
    log: (msg) => process.stderr.write(`[bench:${name}] ${msg}\n`),
  };
  // Kafka the way the tests get it: the broker that answers, or the local one started.
  if (scenario.kafka) {
    kafka = await import('./lib/kafka.mjs');
    context.kafka = await kafka.ensureBenchKafka(context.log);
    infra.kafka = context.kafka;
  }
  const measurements = await run(context);
  // A broker restarted meanwhile (an outage test) makes the figure worthless.
  if (kafka) await kafka.checkBrokerUnchanged(context.kafka);
  await send({ measurements, infra });
  // Pools and timers a library forgot to close must not keep the worker alive.
  process.exit(0);
} catch (err) {
  const brokerUnchanged = () =>
    kafka.checkBrokerUnchanged(infra.kafka).then(
      () => true,
      () => false,
    );
  await send({
    error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    infra,
    // run.mjs runs the scenario again: not its failure, the broker's (gone, or
    // replaced by another one without this run's topics: "does not host this topic-partition").
    brokerOutage: kafka !== undefined && (kafka.isBrokerOutage(err) || !(await brokerUnchanged())),
  });
  process.exit(1);
}
