// The Kafka topics of one bench run. The apps name their topics in code
// (libs/contracts TOPICS: bank.ledger.internal.v1, …) and a broker is shared
// with whoever else uses it — the integration tests run projectors and relays
// on the same topics. So the apps a Kafka scenario spawns are preloaded with
// isolate-topics.mjs, which prefixes every contract topic with this run's
// BENCH_TOPIC_PREFIX: nothing the bench produces reaches another consumer,
// and nothing anyone else produces reaches the bench's projector. The apps'
// code is otherwise exactly what ships.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, ROOT } from './settings.mjs';

// Read from the dist/ copy the run's apps use (an app process has no dist hook).
const { TOPICS } = await import(pathToFileURL(join(DIST, 'libs/contracts/src/topics.js')).href);

/** TOPICS as shipped: read before isolate-topics.mjs renames them (it imports this module first). */
const ORIGINAL_TOPICS = Object.freeze({ ...TOPICS });

/** `node --import` argument that applies BENCH_TOPIC_PREFIX to the contract topics. */
export const ISOLATE_TOPICS_PRELOAD = pathToFileURL(join(ROOT, 'bench/lib/isolate-topics.mjs')).href;

/** A prefix no other run (nor test) uses: bench.<scenario>.<time>-<random>. */
export function runPrefix(scenario) {
  return `bench.${scenario}.${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * The contract topics as the preloaded apps of run `prefix` name them.
 * @param {string} prefix
 * @param {Record<string, string>} [topics]  the contract's names (the original TOPICS)
 * @returns {{ accountEvents: string, ledgerInternal: string, projectorDlq: string }}
 */
export function prefixedTopics(prefix, topics = ORIGINAL_TOPICS) {
  return Object.fromEntries(Object.entries(topics).map(([key, name]) => [key, `${prefix}.${name}`]));
}
