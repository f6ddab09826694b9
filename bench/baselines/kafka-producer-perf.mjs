// Baseline `kafka-producer-perf`: the relay's ceiling — a kafkajs producer
// alone, set up as the relay's (idempotent, one request in flight, acks = -1,
// sendBatch of OUTBOX_BATCH_SIZE = 2 000), one batch at a time as the relay
// sends them, to a fresh topic with 12 partitions. It sends the very messages
// the `relay` scenario publishes: the internal-topic messages of 200 000
// stored events (2 000 accounts × 100), as the relay reads them from the
// outbox (key `account-<uuid>`, the event's JSON, the four headers).
import { performance } from 'node:perf_hooks';
import { migrate, withClient } from '../lib/database.mjs';
import {
  benchKafka,
  createTopics,
  PARTITIONS,
  relayBatchSize,
  relayLikeProducer,
  removeRunArtifacts,
  topicMessageCount,
} from '../lib/kafka.mjs';
import { latencySummary } from '../lib/load.mjs';
import { readInternalMessages, seedAccountStreams } from '../lib/seed.mjs';
import { ACCOUNTS, RELAY_MESSAGES, RELAY_WARMUP_MESSAGES } from '../lib/settings.mjs';
import { runPrefix } from '../lib/topics.mjs';

/** @param {import('../worker.mjs').ScenarioContext} context */
export async function run({ databaseUrl, settings, log }) {
  await migrate(databaseUrl);
  log(`writing ${RELAY_MESSAGES} events and reading their internal messages`);
  const messages = await withClient(databaseUrl, async (client) => {
    await seedAccountStreams(client, { accounts: ACCOUNTS, eventsPerAccount: RELAY_MESSAGES / ACCOUNTS });
    return readInternalMessages(client);
  });
  const bytes = messages.reduce((sum, m) => sum + Buffer.byteLength(m.value), 0);

  const kafka = benchKafka('bench-producer-perf');
  const topic = `${runPrefix('producer-perf')}.outbox`;
  await createTopics(kafka, [topic]);
  const producer = relayLikeProducer(kafka);
  const batchSize = relayBatchSize();
  try {
    await producer.connect();
    const send = (batch) => producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: batch }] });

    if (settings.warmupSeconds > 0) {
      log(`warming up with ${RELAY_WARMUP_MESSAGES} messages`);
      for (let i = 0; i < RELAY_WARMUP_MESSAGES; i += batchSize) {
        await send(messages.slice(i, Math.min(i + batchSize, RELAY_WARMUP_MESSAGES)));
      }
    }
    log(`sending ${messages.length} messages in batches of ${batchSize}`);
    const batchMs = [];
    const started = performance.now();
    for (let i = 0; i < messages.length; i += batchSize) {
      const batchStarted = performance.now();
      await send(messages.slice(i, i + batchSize));
      batchMs.push(performance.now() - batchStarted);
    }
    const seconds = (performance.now() - started) / 1000;
    const onTopic = await topicMessageCount(kafka, topic);
    return [
      {
        name: 'kafka-producer-perf',
        unit: 'msgs',
        ops: messages.length,
        seconds,
        // Per sendBatch: the time the relay spends in Kafka per round.
        ...latencySummary(batchMs),
        details: {
          batch_size: batchSize,
          latency: 'per batch',
          partitions: PARTITIONS,
          avg_value_bytes: Math.round(bytes / messages.length),
          on_topic: onTopic,
        },
      },
    ];
  } finally {
    await producer.disconnect().catch(() => undefined);
    await removeRunArtifacts(kafka, { topics: [topic] }, log);
  }
}
