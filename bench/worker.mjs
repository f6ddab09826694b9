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
 */

const name = process.argv[2];
const scenario = SCENARIOS.find((s) => s.name === name);
if (!process.send || !scenario) {
  process.stderr.write('bench/worker.mjs is started by bench/run.mjs (npm run bench)\n');
  process.exit(2);
}

const send = (message) => new Promise((resolve) => process.send(message, () => resolve()));

try {
  const { run } = await import(scenario.module);
  /** @type {ScenarioContext} */
  const context = {
    databaseUrl: process.env.DATABASE_URL,
    settings: benchSettings(),
    log: (msg) => process.stderr.write(`[bench:${name}] ${msg}\n`),
  };
  const measurements = await run(context);
  await send({ measurements });
  // Pools and timers a library forgot to close must not keep the worker alive.
  process.exit(0);
} catch (err) {
  await send({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
}
