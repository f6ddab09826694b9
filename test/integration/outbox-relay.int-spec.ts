/**
 * The outbox relay as a real child process (dist/), against the real Postgres
 * and the real Kafka broker: delivery, order per key, leadership and the
 * failure modes of SPEC §7 (crash, Kafka down, Postgres connections killed,
 * a long-open transaction).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { PostgresEventStore, type AppendRequest } from '@cqrs-bank/event-store';
import type pg from 'pg';
import { ensureKafka, startKafka, stopKafka } from '../../infra/kafka.mjs';
import { testPool } from '../support/database.js';
import { eventually } from '../support/http.js';
import {
  collect,
  createTopics,
  metric,
  spawnRelay,
  type Received,
  type RelayProcess,
} from '../support/relay.js';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fresh pair of topics per test, so each test reads only its own messages. */
function topicsFor(name: string) {
  const run = randomUUID().slice(0, 8);
  return { internal: `test.relay.${name}.${run}.internal`, pub: `test.relay.${name}.${run}.public` };
}

function request(streamId: string, version: number, publicTopic: string): AppendRequest {
  const eventId = randomUUID();
  return {
    streamId,
    streamType: 'test',
    expectedVersion: version - 1,
    events: [
      {
        eventId,
        type: 'Counted',
        schemaVersion: 1,
        data: { n: version },
        metadata: { correlationId: randomUUID(), causationId: randomUUID(), actor: 'test' },
      },
    ],
    outbox: [
      {
        topic: publicTopic,
        key: streamId,
        eventId,
        headers: { ce_id: eventId, 'content-type': 'application/json' },
        payload: { streamId, n: version },
      },
    ],
  };
}

/** Appends `perStream` events to each stream, streams interleaved, `parallel` appends at a time. */
async function write(
  store: PostgresEventStore,
  streams: string[],
  perStream: number,
  publicTopic: string,
  from = 1,
): Promise<void> {
  for (let v = from; v < from + perStream; v++) {
    await Promise.all(streams.map((s) => store.append(request(s, v, publicTopic))));
  }
}

/** The n values per key in arrival order, and how many arrivals repeated an earlier one. */
function perKey(messages: Received[], topic: string): { order: Map<string, number[]>; duplicates: number } {
  const order = new Map<string, number[]>();
  const seen = new Set<string>();
  let duplicates = 0;
  for (const m of messages.filter((x) => x.topic === topic)) {
    const n = topic.endsWith('.internal') ? (m.value.data as { n: number }).n : (m.value as { n: number }).n;
    const id = `${m.key}#${n}`;
    if (seen.has(id)) {
      duplicates += 1;
      continue;
    }
    seen.add(id);
    order.set(m.key, [...(order.get(m.key) ?? []), n]);
  }
  return { order, duplicates };
}

function expectCompleteAndOrdered(order: Map<string, number[]>, streams: string[], perStream: number) {
  const expected = Array.from({ length: perStream }, (_, i) => i + 1);
  for (const s of streams) expect({ stream: s, order: order.get(s) }).toEqual({ stream: s, order: expected });
}

const delivered = (messages: Received[], topic: string, total: number) => async () =>
  new Set(messages.filter((m) => m.topic === topic).map((m) => `${m.key}#${JSON.stringify(m.value)}`)).size >=
  total;

describe('outbox-relay', () => {
  let pool: pg.Pool;
  let db: pg.Pool;
  const relays: RelayProcess[] = [];
  const consumers: { stop(): Promise<void> }[] = [];

  async function relay(env: Record<string, string> = {}): Promise<RelayProcess> {
    const r = await spawnRelay(env);
    relays.push(r);
    const ready = await eventually(async () => (await fetch(`${r.url}/health/live`)).ok, 30_000, 200);
    if (!ready) throw new Error(`relay did not start:\n${r.output()}`);
    return r;
  }
  const isLeader = async (r: RelayProcess) => (await metric(r, 'outbox_relay_leader')) === 1;

  beforeAll(async () => {
    pool = testPool(20);
    db = testPool(4);
    // Rows other suites left behind would only slow the first rounds down.
    await db.query('DELETE FROM outbox');
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.kill('SIGKILL')));
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await ensureKafka();
    await Promise.all([pool.end(), db.end()]);
  });

  async function setup(name: string) {
    const topics = topicsFor(name);
    await createTopics([topics.internal, topics.pub]);
    const store = new PostgresEventStore(pool, { internalTopic: topics.internal });
    const consumer = await collect([topics.internal, topics.pub]);
    consumers.push(consumer);
    return { topics, store, messages: consumer.messages };
  }

  it('publishes every committed event to both topics in event order per key, then deletes the rows', async () => {
    const { topics, store, messages } = await setup('order');
    const streams = Array.from({ length: 10 }, () => `acc-${randomUUID()}`);
    await relay();
    await write(store, streams, 30, topics.pub);

    expect(await eventually(delivered(messages, topics.internal, 300), 30_000)).toBe(true);
    expect(await eventually(delivered(messages, topics.pub, 300), 30_000)).toBe(true);
    expectCompleteAndOrdered(perKey(messages, topics.internal).order, streams, 30);
    expectCompleteAndOrdered(perKey(messages, topics.pub).order, streams, 30);
    // The internal message carries the full event; the headers travel as written.
    const first = messages.find((m) => m.topic === topics.pub)!;
    expect(first.headers).toMatchObject({ ce_id: expect.any(String), 'content-type': 'application/json' });
    const internal = messages.find((m) => m.topic === topics.internal)!;
    expect(internal.value).toMatchObject({ type: 'Counted', streamId: internal.key });
    expect(
      await eventually(
        async () =>
          (await db.query('SELECT 1 FROM outbox WHERE topic = ANY($1)', [[topics.internal, topics.pub]]))
            .rowCount === 0,
        10_000,
      ),
    ).toBe(true);
  });

  it('neither skips nor waits for a row whose transaction commits late with a lower id', async () => {
    const { topics, store, messages } = await setup('late');
    const r = await relay();
    const held = await db.connect();
    try {
      await held.query('BEGIN');
      await held.query(
        `INSERT INTO outbox (topic, message_key, event_id, headers, payload)
         VALUES ($1, 'late-key', $2, '{}', '{"n": 1}')`,
        [topics.pub, randomUUID()],
      );
      // Later transactions (higher ids) commit and are published meanwhile.
      const streams = Array.from({ length: 4 }, () => `acc-${randomUUID()}`);
      await write(store, streams, 5, topics.pub);
      expect(await eventually(delivered(messages, topics.pub, 20), 20_000)).toBe(true);
      expect(messages.some((m) => m.key === 'late-key')).toBe(false);
      // The open transaction is visible to operators.
      expect(await metric(r, 'outbox_relay_oldest_open_transaction_seconds')).toBeGreaterThan(0);
      await held.query('COMMIT');
    } finally {
      held.release();
    }
    expect(await eventually(async () => messages.some((m) => m.key === 'late-key'), 10_000)).toBe(true);
  });

  it('runs one publisher at a time; a standby takes over within 5 s of the leader being killed', async () => {
    const { topics, store, messages } = await setup('leader');
    const first = await relay();
    expect(await eventually(() => isLeader(first), 10_000)).toBe(true);
    const second = await relay();
    await sleep(1000);
    expect(await metric(second, 'outbox_relay_leader')).toBe(0);

    await first.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await eventually(() => isLeader(second), 5_000, 100)).toBe(true);
    expect(Date.now() - killedAt).toBeLessThan(5_000);

    const streams = Array.from({ length: 5 }, () => `acc-${randomUUID()}`);
    await write(store, streams, 10, topics.pub);
    expect(await eventually(delivered(messages, topics.internal, 50), 20_000)).toBe(true);
    expectCompleteAndOrdered(perKey(messages, topics.internal).order, streams, 10);
  });

  it('stops a deposed leader: when its lease session is cut, exactly one relay publishes afterwards', async () => {
    const { topics, store, messages } = await setup('deposed');
    const first = await relay();
    expect(await eventually(() => isLeader(first), 10_000)).toBe(true);
    const second = await relay();
    await sleep(500);
    // Cut only the leader's lease connection (a network partition, an admin's kill).
    await db.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'outbox-relay:leader' AND datname = current_database()",
    );
    const leaders = async () => [await isLeader(first), await isLeader(second)].filter(Boolean).length;
    expect(await eventually(async () => (await leaders()) === 1, 5_000, 100)).toBe(true);
    for (let i = 0; i < 10; i++) {
      expect(await leaders()).toBeLessThanOrEqual(1);
      await sleep(100);
    }
    const streams = Array.from({ length: 4 }, () => `acc-${randomUUID()}`);
    await write(store, streams, 10, topics.pub);
    expect(await eventually(delivered(messages, topics.internal, 40), 20_000)).toBe(true);
    expectCompleteAndOrdered(perKey(messages, topics.internal).order, streams, 10);
    expect(await leaders()).toBe(1);
  });

  it('takes the lease back after its lease session is cut mid-stream, and publishes every row', async () => {
    const { topics, store, messages } = await setup('relead');
    const streams = Array.from({ length: 20 }, () => `acc-${randomUUID()}`);
    // Small batches, so a cut lands while a batch is in flight and the next one read ahead.
    const r = await relay({ OUTBOX_BATCH_SIZE: '50' });
    expect(await eventually(() => isLeader(r), 10_000)).toBe(true);
    const writing = write(store, streams, 60, topics.pub);
    // Each cut deposes the relay mid-round; alone, it takes the lease again and
    // must read from the oldest row, not from where its last read left off.
    for (let cut = 1; cut <= 3; cut++) {
      await eventually(async () => messages.length > 300 * cut, 20_000, 20);
      await db.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'outbox-relay:leader' AND datname = current_database()",
      );
    }
    await writing;

    expect(await eventually(delivered(messages, topics.internal, 1200), 60_000)).toBe(true);
    expect(await eventually(delivered(messages, topics.pub, 1200), 60_000)).toBe(true);
    expectCompleteAndOrdered(perKey(messages, topics.internal).order, streams, 60);
    expectCompleteAndOrdered(perKey(messages, topics.pub).order, streams, 60);
    expect(
      await eventually(
        async () =>
          (await db.query('SELECT 1 FROM outbox WHERE topic = ANY($1)', [[topics.internal, topics.pub]]))
            .rowCount === 0,
        10_000,
      ),
    ).toBe(true);
  });

  it('survives kill -9 mid-batch: every message arrives at least once, in order per key', async () => {
    const { topics, store, messages } = await setup('crash');
    const streams = Array.from({ length: 20 }, () => `acc-${randomUUID()}`);
    // Small batches, so the kill lands between a send and its delete.
    const first = await relay({ OUTBOX_BATCH_SIZE: '50' });
    const writing = write(store, streams, 60, topics.pub);
    await eventually(async () => messages.length > 300, 20_000, 20);
    await first.kill('SIGKILL');
    await writing;
    await relay({ OUTBOX_BATCH_SIZE: '50' });

    expect(await eventually(delivered(messages, topics.internal, 1200), 60_000)).toBe(true);
    expect(await eventually(delivered(messages, topics.pub, 1200), 60_000)).toBe(true);
    const internal = perKey(messages, topics.internal);
    const pub = perKey(messages, topics.pub);
    expectCompleteAndOrdered(internal.order, streams, 60);
    expectCompleteAndOrdered(pub.order, streams, 60);
    // At least once: re-sent messages are duplicates a consumer drops by id.
    process.stdout.write(
      `[relay crash] duplicates after kill -9: internal ${internal.duplicates}, public ${pub.duplicates}\n`,
    );
  });

  it('keeps the rows while Kafka is down for 10 s, then drains them in order', async () => {
    const { topics, store, messages } = await setup('outage');
    const r = await relay();
    const streams = Array.from({ length: 5 }, () => `acc-${randomUUID()}`);
    await write(store, streams, 2, topics.pub);
    expect(await eventually(delivered(messages, topics.internal, 10), 20_000)).toBe(true);

    await stopKafka();
    try {
      // Commands keep committing: the outbox grows while the broker is away.
      const started = Date.now();
      let v = 3;
      while (Date.now() - started < 10_000) {
        await write(store, streams, 1, topics.pub, v);
        v += 1;
        await sleep(500);
      }
      expect(await metric(r, 'outbox_relay_backlog')).toBeGreaterThan(0);
      // Failed rounds are counted (kafkajs gives up on a dead broker after its own retries).
      const failing = await eventually(
        async () => ((await metric(r, 'outbox_relay_errors_total')) ?? 0) > 0,
        30_000,
      );
      process.stdout.write(`[relay outage] errors counted after ${(Date.now() - started) / 1000} s\n`);
      expect(failing).toBe(true);
      const total = (v - 1) * streams.length;
      await startKafka();
      const back = Date.now();
      expect(await eventually(async () => (await metric(r, 'outbox_relay_backlog')) === 0, 60_000)).toBe(
        true,
      );
      process.stdout.write(
        `[relay outage] relay drained ${(Date.now() - back) / 1000} s after the broker returned\n`,
      );
      expect(await eventually(delivered(messages, topics.internal, total), 60_000)).toBe(true);
      process.stdout.write(
        `[relay outage] consumer received everything ${(Date.now() - back) / 1000} s after the broker returned\n`,
      );
      (await import('node:fs')).writeFileSync('/tmp/relay-outage.log', r.output());
      expect(await eventually(delivered(messages, topics.pub, total), 60_000)).toBe(true);
      expectCompleteAndOrdered(perKey(messages, topics.internal).order, streams, v - 1);
      expectCompleteAndOrdered(perKey(messages, topics.pub).order, streams, v - 1);
    } finally {
      await ensureKafka();
    }
  });

  it('reconnects and resumes after its Postgres connections are killed', async () => {
    const { topics, store, messages } = await setup('pgkill');
    const r = await relay();
    expect(await eventually(() => isLeader(r), 10_000)).toBe(true);
    const streams = Array.from({ length: 5 }, () => `acc-${randomUUID()}`);
    const kill = () =>
      db.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'outbox-relay%' AND datname = current_database()",
      );
    for (let v = 1; v <= 10; v++) {
      await write(store, streams, 1, topics.pub, v);
      if (v % 3 === 0) await kill();
    }
    expect(await eventually(delivered(messages, topics.internal, 50), 30_000)).toBe(true);
    expect(await eventually(delivered(messages, topics.pub, 50), 30_000)).toBe(true);
    expectCompleteAndOrdered(perKey(messages, topics.internal).order, streams, 10);
    expect(await eventually(() => isLeader(r), 10_000)).toBe(true);
  });
});
