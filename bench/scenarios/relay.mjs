// Scenario `relay`: 200 000 committed outbox rows → Kafka, acknowledged and
// deleted, by the built outbox-relay (`node dist/apps/outbox-relay/src/main.js`,
// its own process, OUTBOX_BATCH_SIZE and OUTBOX_SENDER_THREADS as configured,
// defaults 2 000 and 1).
//
// The rows are the internal-topic messages of 200 000 stored events (2 000
// accounts × 100), written as the event store writes them (lib/seed.mjs),
// addressed to a fresh topic of this run with 12 partitions — the very
// messages `kafka-producer-perf` sends. The relay is started and ready (lease
// held, producer warmed on RELAY_WARMUP_MESSAGES rows) before the 200 000 rows
// are committed in one statement; the clock runs from that commit (its NOTIFY
// wakes the relay) until the outbox is empty again.
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { startApp, stopApps } from '../lib/apps.mjs';
import { migrate, withClient } from '../lib/database.mjs';
import {
  benchKafka,
  createTopics,
  PARTITIONS,
  relayBatchSize,
  removeRunArtifacts,
  topicMessageCount,
} from '../lib/kafka.mjs';
import { sleep } from '../lib/load.mjs';
import { copyEventsToOutbox, seedAccountStreams } from '../lib/seed.mjs';
import { ACCOUNTS, RELAY_MESSAGES, RELAY_WARMUP_MESSAGES } from '../lib/settings.mjs';
import { prefixedTopics, runPrefix } from '../lib/topics.mjs';

/** How often the outbox is checked for being empty. */
const POLL_MS = 20;
/** Give up when the outbox did not shrink for this long. */
const STALL_MS = 60_000;

/** @param {import('../worker.mjs').ScenarioContext} context */
export async function run({ databaseUrl, settings, log }) {
  await migrate(databaseUrl);
  log(`writing ${RELAY_MESSAGES} events`);
  await withClient(databaseUrl, (client) =>
    seedAccountStreams(client, { accounts: ACCOUNTS, eventsPerAccount: RELAY_MESSAGES / ACCOUNTS }),
  );

  const kafka = benchKafka('bench-relay');
  const prefix = runPrefix('relay');
  const topic = `${prefix}.outbox`;
  await createTopics(kafka, [topic]);
  const db = new pg.Client({ connectionString: databaseUrl, application_name: 'bench:relay' });
  await db.connect();
  let relay;
  try {
    log('starting the outbox-relay');
    relay = await startApp('outbox-relay', { topicPrefix: prefix });
    await until(
      async () => (await relay.metric('outbox_relay_leader')) === 1,
      30_000,
      'relay never held the lease',
    );

    if (settings.warmupSeconds > 0) {
      log(`warming up with ${RELAY_WARMUP_MESSAGES} rows`);
      await copyEventsToOutbox(db, topic, RELAY_WARMUP_MESSAGES);
      await drained(db);
    }
    const publishedBefore = (await relay.metric('outbox_relay_published_total')) ?? 0;

    log(`committing ${RELAY_MESSAGES} outbox rows and timing the relay until the outbox is empty`);
    const rows = await copyEventsToOutbox(db, topic, RELAY_MESSAGES);
    const started = performance.now();
    await drained(db);
    const seconds = (performance.now() - started) / 1000;

    const published = ((await relay.metric('outbox_relay_published_total')) ?? 0) - publishedBefore;
    const errors = (await relay.metric('outbox_relay_errors_total')) ?? 0;
    // The relay's own account of a round: a batch sent while the one before it is deleted and the next one read.
    const rounds = (await relay.metric('outbox_relay_round_seconds_count')) ?? 0;
    const roundSeconds = (await relay.metric('outbox_relay_round_seconds_sum')) ?? 0;
    const onTopic = await topicMessageCount(kafka, topic);
    const expected = rows + (settings.warmupSeconds > 0 ? RELAY_WARMUP_MESSAGES : 0);
    if (onTopic < expected)
      throw new Error(`the outbox is empty but ${topic} holds ${onTopic} of ${expected}`);
    return [
      {
        name: 'relay',
        unit: 'msgs',
        ops: rows,
        seconds,
        p50_ms: null,
        p99_ms: null,
        details: {
          batch_size: relayBatchSize(),
          sender_threads: process.env.OUTBOX_SENDER_THREADS || 'default',
          partitions: PARTITIONS,
          published,
          relay_errors: errors,
          avg_round_ms: rounds > 0 ? Math.round((roundSeconds / rounds) * 10000) / 10 : null,
          // At least once: more than sent means some batch went twice.
          on_topic: onTopic,
        },
      },
    ];
  } finally {
    await stopApps([relay], log);
    await db.end();
    await removeRunArtifacts(kafka, { topics: [topic, ...Object.values(prefixedTopics(prefix))] }, log);
  }
}

/** Resolves once the outbox is empty; throws when the relay stops making progress. */
async function drained(db) {
  let last;
  let progressAt = performance.now();
  for (;;) {
    // The relay's own read (its index, (tx_id, id) order): cheap however many rows were deleted.
    const { rows } = await db.query({
      name: 'bench_outbox_head',
      text: 'SELECT id FROM outbox ORDER BY tx_id, id LIMIT 1',
    });
    if (rows.length === 0) return;
    if (rows[0].id !== last) {
      last = rows[0].id;
      progressAt = performance.now();
    } else if (performance.now() - progressAt > STALL_MS) {
      throw new Error(`the relay published nothing for ${STALL_MS / 1000} s (outbox head: row ${last})`);
    }
    await sleep(POLL_MS);
  }
}

async function until(check, timeoutMs, message) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(message);
    await sleep(100);
  }
}
