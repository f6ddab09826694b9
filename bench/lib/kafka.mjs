// Kafka for the scenarios that need it: the broker (infra/kafka.mjs, as the
// tests get theirs), a kafkajs client configured like the apps' own
// (libs/messaging createKafka), the relay's producer settings, and the
// topics and consumer groups of one run, removed afterwards.
import { readdirSync, readFileSync } from 'node:fs';
import { Partitioners } from 'kafkajs';
import { ensureKafka, kafkaStatus } from '../../infra/kafka.mjs';
import { createKafka, RELAY_DEFAULTS } from '../../dist/libs/messaging/src/index.js';
import { sleep } from './load.mjs';

/**
 * @typedef {object} KafkaInfra
 * @property {string} brokers
 * @property {boolean} started  this run started the local broker (it is left running)
 * @property {boolean} managed  the broker is infra/kafka.mjs's local one
 * @property {number} [pid]  the broker's process on this machine, to tell whether it was restarted meanwhile
 */

/**
 * A broker that answers, started (infra/kafka.mjs, .local/kafka) when none
 * does after OUTAGE_GRACE_MS, as for the tests; never stopped by the bench. Exports KAFKA_BROKERS
 * so the apps this process spawns use it.
 * @param {(msg: string) => void} log
 * @returns {Promise<KafkaInfra>}
 */
export async function ensureBenchKafka(log) {
  let before = await kafkaStatus();
  if (!before.up) {
    // Tests on this machine stop the shared broker for a few seconds to test
    // outages: starting one now would spoil that test. Give it a chance to return.
    log(
      `no Kafka broker answers on ${before.brokers}; waiting up to ${OUTAGE_GRACE_MS / 1000} s before starting one`,
    );
    const deadline = Date.now() + OUTAGE_GRACE_MS;
    while (!before.up && Date.now() < deadline) {
      await sleep(1000);
      before = await kafkaStatus();
    }
  }
  const brokers = await ensureKafka({ log });
  const after = await kafkaStatus();
  process.env.KAFKA_BROKERS = brokers;
  return { brokers, started: !before.up && after.managed, managed: after.managed, pid: localBrokerPid() };
}

/** How long a missing broker is waited for before the bench starts one. */
const OUTAGE_GRACE_MS = 30_000;

/**
 * The broker went away or was restarted (the integration tests stop and
 * start the local one to test outages): whatever the scenario measured
 * includes that outage, so it is run again rather than reported.
 */
export class BrokerOutage extends Error {
  name = 'BrokerOutage';
}

/** Throws BrokerOutage unless the broker of `infra` still answers and is the same process. */
export async function checkBrokerUnchanged(infra) {
  const now = await kafkaStatus();
  if (!now.up) throw new BrokerOutage(`the Kafka broker ${infra.brokers} stopped answering during the run`);
  const pid = localBrokerPid();
  if (infra.pid !== undefined && pid !== infra.pid) {
    throw new BrokerOutage(`the Kafka broker was restarted during the run (pid ${infra.pid} → ${pid})`);
  }
}

/**
 * The Kafka broker process on this machine (a `kafka.Kafka` JVM, whichever
 * checkout started it: the port is shared), when there is exactly one.
 * @returns {number | undefined}
 */
function localBrokerPid() {
  try {
    const pids = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('kafka.Kafka');
        } catch {
          return false; // gone meanwhile
        }
      });
    return pids.length === 1 ? Number(pids[0]) : undefined;
  } catch {
    return undefined; // no procfs
  }
}

/** An error that means the broker was unreachable, not that the scenario failed. */
export function isBrokerOutage(err) {
  if (err instanceof BrokerOutage) return true;
  const text = `${err?.stack ?? err}\n${err?.cause?.stack ?? ''}`;
  return /KafkaJS(Connection|NumberOfRetriesExceeded|BrokerNotFound|NoBrokerAvailable)Error/.test(text);
}

/** Partitions of every topic a scenario creates: the relay's default for the contract topics. */
export const PARTITIONS = RELAY_DEFAULTS.topicPartitions;

/** Messages per sendBatch of the relay: OUTBOX_BATCH_SIZE when set (the relay reads it too), else its default. */
export function relayBatchSize() {
  const raw = process.env.OUTBOX_BATCH_SIZE;
  return raw ? Number(raw) : RELAY_DEFAULTS.batchSize;
}

/** A kafkajs client with the apps' settings (connection and request timeouts, retries). */
export function benchKafka(clientId) {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: call ensureBenchKafka first');
  return createKafka(clientId, brokers.split(','));
}

/**
 * A producer set up exactly like each of the outbox relay's (libs/messaging
 * outbox-relay/batch-sender.ts): idempotent, one request in flight, the
 * default (Java-compatible) partitioner; send with acks = -1.
 */
export function relayLikeProducer(kafka) {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
  });
}

/** Runs `work` with a connected admin client. */
export async function withAdmin(kafka, work) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Creates topics (PARTITIONS each) and waits for their leaders. */
export function createTopics(kafka, topics) {
  return withAdmin(kafka, (admin) =>
    admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })),
    }),
  );
}

/**
 * Removes what a run left on the shared broker: its topics (those that
 * exist) and consumer groups. Best effort: a failure is logged, not thrown.
 */
export async function removeRunArtifacts(kafka, { topics = [], groups = [] }, log) {
  try {
    await withAdmin(kafka, async (admin) => {
      if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
      const existing = new Set(await admin.listTopics());
      const ours = topics.filter((t) => existing.has(t));
      if (ours.length > 0) await admin.deleteTopics({ topics: ours, timeout: 30_000 });
    });
  } catch (err) {
    log(`could not remove the run's Kafka topics ${topics.join(', ')}: ${err.message}`);
  }
}

/** Messages a topic holds (sum of its partitions' high watermarks minus low ones). */
export function topicMessageCount(kafka, topic) {
  return withAdmin(kafka, async (admin) => {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  });
}

/**
 * Waits until consumer group `groupId` is Stable with at least one member
 * holding partitions: the projector joined and was assigned its topic.
 */
export async function waitForGroup(kafka, groupId, { timeoutMs = 60_000, pollMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  return withAdmin(kafka, async (admin) => {
    for (;;) {
      const { groups } = await admin.describeGroups([groupId]);
      const group = groups[0];
      if (group?.state === 'Stable' && group.members.some((m) => m.memberAssignment?.length > 0)) return;
      if (Date.now() > deadline) {
        throw new Error(`consumer group ${groupId} not stable within ${timeoutMs} ms (${group?.state})`);
      }
      await sleep(pollMs);
    }
  });
}
