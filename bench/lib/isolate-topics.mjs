// Preloaded (`node --import`) into an app a Kafka scenario spawns, before its
// main module: renames libs/contracts' TOPICS to this run's own topics
// (BENCH_TOPIC_PREFIX; see topics.mjs). Every module of the app reads TOPICS
// from this same module instance when its own code runs, so the command-service's
// outbox, the relay's topic creation and the projector's subscription all use
// the prefixed names.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST } from './settings.mjs';
import { prefixedTopics } from './topics.mjs';

// The very module instance the app loads: from the same dist/ copy it runs from.
const { TOPICS } = await import(pathToFileURL(join(DIST, 'libs/contracts/src/topics.js')).href);

const prefix = process.env.BENCH_TOPIC_PREFIX;
if (!prefix) throw new Error('bench/lib/isolate-topics.mjs needs BENCH_TOPIC_PREFIX');
Object.assign(TOPICS, prefixedTopics(prefix, { ...TOPICS }));
