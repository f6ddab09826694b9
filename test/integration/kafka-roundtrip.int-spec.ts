/**
 * Proves a real kafkajs round trip through the broker the test runner provides
 * (infra/kafka.mjs: Kafka 4.x, KRaft, single node): admin topic creation, an idempotent
 * producer with acks=-1, and a consumer *group* (join/sync/heartbeat/offset commit)
 * reading from the beginning, with keys, values, headers and per-key order intact.
 */
import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { fetchTopicWatermarks } from '@cqrs-bank/messaging';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin, Consumer, IHeaders, KafkaMessage, Producer } from 'kafkajs';

jest.setTimeout(60_000);

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean);

const PARTITIONS = 3;
const KEYS = ['acc-1', 'acc-2', 'acc-3', 'acc-4', 'acc-5'];
const PER_KEY = 4;
const TOTAL = KEYS.length * PER_KEY;

interface Received {
  partition: number;
  offset: string;
  key: string;
  value: { key: string; seq: number; runId: string };
  headers: Record<string, string>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function headerString(headers: IHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined ? undefined : value.toString();
}

function decode(partition: number, message: KafkaMessage): Received {
  return {
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? '',
    value: JSON.parse(message.value?.toString() ?? 'null') as Received['value'],
    headers: {
      'x-seq': headerString(message.headers, 'x-seq') ?? '',
      'x-run-id': headerString(message.headers, 'x-run-id') ?? '',
      'content-type': headerString(message.headers, 'content-type') ?? '',
    },
  };
}

describe('Kafka round trip (kafkajs ↔ broker)', () => {
  const runId = randomUUID();
  const topic = `it.kafka-roundtrip.${runId}`;
  const groupId = `it-kafka-roundtrip-${runId}`;

  const kafka = new Kafka({ clientId: `kafka-roundtrip-${runId}`, brokers, logLevel: logLevel.ERROR });
  let admin: Admin;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await consumer?.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  });

  it('creates a topic, produces idempotently and consumes every message with a consumer group', async () => {
    // ── admin: create + list + metadata ──────────────────────────────────────────
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
    expect(await admin.listTopics()).toContain(topic);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(PARTITIONS);

    // ── idempotent producer, acks=-1 ─────────────────────────────────────────────
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    for (let seq = 0; seq < PER_KEY; seq += 1) {
      // One send per round: every key gets message `seq` before any key gets `seq + 1`.
      const results = await producer.send({
        topic,
        acks: -1,
        messages: KEYS.map((key) => ({
          key,
          value: JSON.stringify({ key, seq, runId }),
          headers: { 'x-seq': String(seq), 'x-run-id': runId, 'content-type': 'application/json' },
        })),
      });
      expect(results.every((r) => r.errorCode === 0)).toBe(true);
    }

    const offsets = await fetchTopicWatermarks(admin, topic);
    expect(offsets).toHaveLength(PARTITIONS);
    expect(offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0)).toBe(TOTAL);

    // ── consumer group from the beginning ────────────────────────────────────────
    // maxWaitTimeInMs: disconnect() waits for the in-flight fetch (default long poll: 5 s).
    consumer = kafka.consumer({
      groupId,
      heartbeatInterval: 500,
      sessionTimeout: 10_000,
      maxWaitTimeInMs: 500,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });

    const received: Received[] = [];
    let allReceived!: () => void;
    const done = new Promise<void>((resolve) => {
      allReceived = resolve;
    });
    await consumer.run({
      autoCommit: true,
      eachMessage: async ({ partition, message }) => {
        received.push(decode(partition, message));
        if (received.length >= TOTAL) allReceived();
      },
    });
    await done; // bounded by the jest timeout, no timed assertion

    expect(received).toHaveLength(TOTAL);
    for (const key of KEYS) {
      const forKey = received.filter((m) => m.key === key);
      // Same key -> same partition, and the per-key order is the production order.
      expect(new Set(forKey.map((m) => m.partition)).size).toBe(1);
      expect(forKey.map((m) => m.value.seq)).toEqual([...Array(PER_KEY).keys()]);
      for (const m of forKey) {
        expect(m.value).toEqual({ key, seq: m.value.seq, runId });
        expect(m.headers).toEqual({
          'x-seq': String(m.value.seq),
          'x-run-id': runId,
          'content-type': 'application/json',
        });
      }
    }

    // ── the group committed its offsets (OffsetCommit through the group coordinator) ──
    const highWatermarks = new Map(offsets.map((p) => [p.partition, p.high]));
    for (;;) {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      // A partition no key hashed to has nothing to commit: its committed offset stays -1.
      const caughtUp = committed?.partitions.every((p) => {
        const high = highWatermarks.get(p.partition);
        return p.offset === high || (high === '0' && p.offset === '-1');
      });
      if (committed?.partitions.length === PARTITIONS && caughtUp) break;
      await sleep(100);
    }
    const [group] = (await admin.describeGroups([groupId])).groups;
    expect(group?.state).toBe('Stable');
    expect(group?.members).toHaveLength(1);

    await consumer.disconnect();
    consumer = undefined;
    await producer.disconnect();
    producer = undefined;
  });
});
