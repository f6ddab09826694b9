/**
 * The projector against the real pipeline: command-service (relay embedded)
 * → Kafka → projector → read models, compared with a pure fold of the event
 * store; plus duplicate delivery, poison messages and gaps (SPEC §10).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ACCOUNT_UPCASTERS } from '@cqrs-bank/banking';
import { TOPICS } from '@cqrs-bank/contracts';
import { PersonalDataVault, PostgresEventStore, UpcasterRegistry } from '@cqrs-bank/event-store';
import type pg from 'pg';
import { CommandServiceModule } from '../../apps/command-service/src/command-service.module.js';
import { LedgerConsumer } from '../../apps/projector/src/ledger/ledger-consumer.js';
import { fromStoredEvent, type LedgerEvent } from '../../apps/projector/src/ledger/ledger-event.js';
import { AccountBatchApplier } from '../../apps/projector/src/projections/account-batch-applier.js';
import { ProjectorModule } from '../../apps/projector/src/projector.module.js';
import { foldEventStore, readAccountModels } from '../support/account-fold.js';
import { call } from '../support/api.js';
import { testPool } from '../support/database.js';
import { eventually, startApp, type RunningApp } from '../support/http.js';
import { collect, createTopics, kafkaClient } from '../support/relay.js';
import { bearer, TEST_JWT_SECRET } from '../support/tokens.js';

/** What every read model must say about an account: a pure fold of its stored events. */
const foldFromStore = async (db: pg.Pool, accountId: string) =>
  (await foldEventStore(db, [accountId])).get(accountId);
/** What the read models say about it (undefined before the projector saw it). */
const readModels = async (db: pg.Pool, accountId: string) =>
  (await readAccountModels(db, [accountId])).get(accountId);

describe('projector', () => {
  let commands: RunningApp;
  let projector: RunningApp;
  let db: pg.Pool;
  const teller = bearer('teller-projector', ['teller']);

  const post = (path: string, body: unknown) =>
    call<Record<string, unknown>>(commands.url, 'POST', path, { body, headers: teller });
  const open = async (initialDeposit = 0) => {
    const res = await post('/accounts', {
      ownerId: `cust-${randomUUID()}`,
      ownerName: 'Ada Projected',
      currency: 'EUR',
      ...(initialDeposit ? { initialDeposit } : {}),
    });
    expect(res.status).toBe(201);
    return res.body.accountId as string;
  };
  const caughtUp = (ids: string[]) => async () => {
    for (const id of ids) {
      const [want, got] = await Promise.all([foldFromStore(db, id), readModels(db, id)]);
      if (!got || got.version !== want?.version) return false;
    }
    return true;
  };

  beforeAll(async () => {
    process.env.JWT_SECRET = TEST_JWT_SECRET;
    process.env.OUTBOX_RELAY = 'embedded';
    // A load test: 10 000 commands as one teller in well under a minute, far
    // beyond a caller's default rate limit (as in the bench, limits stay on).
    process.env.RATE_LIMIT_PER_MINUTE = '1000000';
    await createTopics([TOPICS.ledgerInternal, TOPICS.accountEvents, TOPICS.projectorDlq], 12).catch(
      () => undefined,
    );
    db = testPool(4);
    projector = await startApp(ProjectorModule);
    await projector.app.get(LedgerConsumer).assigned;
    commands = await startApp(CommandServiceModule);
  }, 60_000);
  afterAll(async () => {
    delete process.env.OUTBOX_RELAY;
    delete process.env.RATE_LIMIT_PER_MINUTE;
    await commands.close();
    await projector.close();
    await db.end();
  });

  it('keeps every read model equal to a pure fold of the event store under 10 000 random commands over 100 accounts', async () => {
    const accounts = await Promise.all(Array.from({ length: 100 }, (_, i) => open(i % 2 ? 1_000 : 0)));
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const statuses = new Map<number, number>();
    for (let round = 0; round < 500; round++) {
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          const accountId = accounts[random(accounts.length)];
          const amount = 1 + random(500);
          const res = await post(random(3) === 0 ? '/withdraw' : '/deposit', { accountId, amount });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }),
      );
    }
    // Some withdrawals are refused for insufficient funds; nothing else fails.
    expect([...statuses.keys()].every((s) => s === 200 || s === 422)).toBe(true);
    expect(await eventually(caughtUp(accounts), 60_000)).toBe(true);
    for (const id of accounts)
      expect({ id, models: await readModels(db, id) }).toEqual({ id, models: await foldFromStore(db, id) });
  }, 300_000);

  it('changes nothing when the same messages are delivered again', async () => {
    const accountId = await open(500);
    for (const amount of [10, 20, 30])
      expect((await post('/deposit', { accountId, amount })).status).toBe(200);
    expect(await eventually(caughtUp([accountId]), 30_000)).toBe(true);
    const before = await readModels(db, accountId);

    // Replay the account's internal messages, exactly as the relay sent them.
    const consumer = await collect([TOPICS.ledgerInternal]);
    const key = `account-${accountId}`;
    try {
      expect(
        await eventually(async () => consumer.messages.filter((m) => m.key === key).length >= 4, 30_000),
      ).toBe(true);
      const producer = kafkaClient('test-replay').producer();
      await producer.connect();
      const originals = consumer.messages.filter((m) => m.key === key);
      await producer.send({
        topic: TOPICS.ledgerInternal,
        messages: [...originals, ...originals].map((m) => ({
          key: m.key,
          value: JSON.stringify(m.value),
          headers: m.headers,
        })),
      });
      await producer.disconnect();
      // A later command proves the projector went past the replayed messages.
      expect((await post('/deposit', { accountId, amount: 1 })).status).toBe(200);
      expect(await eventually(caughtUp([accountId]), 30_000)).toBe(true);
    } finally {
      await consumer.stop();
    }
    const after = await readModels(db, accountId);
    expect(after).toEqual({
      ...before,
      balance: before!.balance + 1,
      version: before!.version + 1,
      deposits: before!.deposits + 1,
      history: [
        ...before!.history,
        { version: before!.version + 1, kind: 'DEPOSIT', amount: 1, balanceAfter: before!.balance + 1 },
      ],
      months: after!.months,
    });
    expect(after).toEqual(await foldFromStore(db, accountId));
  }, 60_000);

  it('announces, in the applying transaction, each account row a batch changed as it left it (account_projection_applied)', async () => {
    const accountId = await open(100);
    expect(await eventually(caughtUp([accountId]), 30_000)).toBe(true);
    const listener = await db.connect();
    const heard: string[] = [];
    try {
      listener.on('notification', (n) => heard.push(n.payload ?? ''));
      await listener.query('LISTEN account_projection_applied');
      expect((await post('/deposit', { accountId, amount: 5 })).status).toBe(200);
      expect(await eventually(caughtUp([accountId]), 30_000)).toBe(true);
      // The row is visible to whoever hears the notification: it came with the commit.
      const entry = () => heard.flatMap((p) => p.split(',')).find((e) => e.startsWith(`${accountId}:`));
      expect(await eventually(async () => entry() !== undefined, 5000, 20)).toBe(true);
      const { rows } = await db.query<{ version: string; balance: string; ms: string }>(
        `SELECT version, balance, (extract(epoch FROM updated_at) * 1000)::bigint AS ms
           FROM account_balance WHERE account_id = $1`,
        [accountId],
      );
      // <id>:<version>:<balance>:<status, empty: unchanged>:<updated_at in ms>
      expect(entry()).toBe(`${accountId}:${rows[0].version}:${rows[0].balance}::${rows[0].ms}`);
      expect(rows[0].balance).toBe('105');
    } finally {
      await listener.query('UNLISTEN *').catch(() => undefined);
      listener.release();
    }
  }, 60_000);

  it("commits the group's Kafka offset past each applied batch, so a restarted projector resumes there", async () => {
    const accountId = await open(100);
    expect(await eventually(caughtUp([accountId]), 30_000)).toBe(true);
    const { rows } = await db.query<{ partition: number; next_offset: string }>(
      `SELECT partition, next_offset FROM projector_offsets WHERE consumer_group = $1 AND topic = $2`,
      [process.env.PROJECTOR_GROUP_ID, TOPICS.ledgerInternal],
    );
    expect(rows.length).toBeGreaterThan(0);
    const admin = kafkaClient('test-projector-offsets').admin();
    await admin.connect();
    try {
      const committedMatches = async () => {
        const [topic] = await admin.fetchOffsets({
          groupId: process.env.PROJECTOR_GROUP_ID!,
          topics: [TOPICS.ledgerInternal],
        });
        const committed = new Map(topic.partitions.map((p) => [p.partition, BigInt(p.offset)]));
        return rows.every((r) => (committed.get(r.partition) ?? -1n) >= BigInt(r.next_offset));
      };
      expect(await eventually(committedMatches, 10_000, 100)).toBe(true);
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

  it('sends a poison message to the DLQ with its error and keeps the partition moving', async () => {
    const dlq = await collect([TOPICS.projectorDlq]);
    try {
      const accountId = await open();
      const key = `account-${accountId}`;
      const producer = kafkaClient('test-poison').producer();
      await producer.connect();
      await producer.send({
        topic: TOPICS.ledgerInternal,
        messages: [
          { key, value: 'this is not json', headers: { 'correlation-id': 'poison-1' } },
          {
            key,
            value: JSON.stringify({
              eventId: randomUUID(),
              streamId: key,
              streamType: 'account',
              version: 9,
              type: 'Mystery',
              schemaVersion: 1,
              data: {},
              recordedAt: new Date().toISOString(),
            }),
          },
        ],
      });
      await producer.disconnect();
      expect((await post('/deposit', { accountId, amount: 7 })).status).toBe(200);
      expect(await eventually(caughtUp([accountId]), 30_000)).toBe(true);
      expect(
        await eventually(async () => dlq.messages.filter((m) => m.key === key).length === 2, 30_000),
      ).toBe(true);
      const dead = dlq.messages.filter((m) => m.key === key);
      for (const m of dead) {
        expect(m.headers).toMatchObject({
          'dlq-error': expect.any(String),
          'dlq-original-topic': TOPICS.ledgerInternal,
          'dlq-original-partition': expect.any(String),
          'dlq-original-offset': expect.any(String),
        });
      }
      expect(dead.find((m) => m.headers['correlation-id'] === 'poison-1')).toBeDefined();
      expect((await readModels(db, accountId))?.balance).toBe(7);
    } finally {
      await dlq.stop();
    }
  }, 60_000);

  it('catches a stream up from the event store when a message arrives after a gap', async () => {
    // Three events committed to the store whose internal messages go to another topic…
    const store = new PostgresEventStore(db, { internalTopic: `test.gap.${randomUUID()}` });
    const accountId = randomUUID();
    const streamId = `account-${accountId}`;
    const meta = { correlationId: randomUUID(), causationId: randomUUID(), actor: 'test' };
    const data = [
      {
        type: 'AccountOpened',
        data: {
          accountId,
          ownerId: 'cust-gap',
          ownerName: 'Gap Owner',
          currency: 'EUR',
          initialDeposit: 100,
        },
      },
      { type: 'MoneyDeposited', data: { accountId, amount: 50, balanceAfter: 150 } },
      { type: 'MoneyWithdrawn', data: { accountId, amount: 30, balanceAfter: 120 } },
    ];
    await store.append({
      streamId,
      streamType: 'account',
      expectedVersion: 0,
      events: data.map((e) => ({
        eventId: randomUUID(),
        schemaVersion: e.type === 'AccountOpened' ? 2 : 1,
        metadata: meta,
        ...e,
      })),
    });
    // Their outbox rows would wait forever for a topic nobody creates: drop them.
    await db.query('DELETE FROM outbox WHERE message_key = $1', [streamId]);
    // …and only the last one reaches the projector.
    const [, , third] = await store.readStream(streamId);
    const producer = kafkaClient('test-gap').producer();
    await producer.connect();
    await producer.send({
      topic: TOPICS.ledgerInternal,
      messages: [
        {
          key: streamId,
          value: JSON.stringify({
            ...third,
            globalPosition: third.globalPosition.toString(),
            recordedAt: third.recordedAt.toISOString(),
          }),
        },
      ],
    });
    await producer.disconnect();
    expect(await eventually(caughtUp([accountId]), 30_000)).toBe(true);
    expect(await readModels(db, accountId)).toEqual(await foldFromStore(db, accountId));
    expect((await readModels(db, accountId))?.balance).toBe(120);
  }, 60_000);

  describe('two replicas applying the same batch at once (a partition moving during a rebalance)', () => {
    let applier: AccountBatchApplier;
    let store: PostgresEventStore;
    let upcasters: UpcasterRegistry;

    beforeAll(() => {
      upcasters = new UpcasterRegistry();
      for (const u of ACCOUNT_UPCASTERS) upcasters.register(u.type, u.fromVersion, u.upcast);
      applier = new AccountBatchApplier(
        projector.app.get(PostgresEventStore),
        upcasters,
        projector.app.get(PersonalDataVault),
      );
      // Stored events whose messages go to a topic nobody reads: the test hands them to the appliers.
      store = new PostgresEventStore(db, { internalTopic: `test.replicas.${randomUUID()}` });
    });

    /** An account with `amounts` (> 0 deposit, < 0 withdrawal) after an opening deposit of 1 000, as ledger events. */
    const storedAccount = async (
      amounts: number[],
    ): Promise<{ accountId: string; events: LedgerEvent[] }> => {
      const accountId = randomUUID();
      const streamId = `account-${accountId}`;
      const metadata = { correlationId: randomUUID(), causationId: randomUUID(), actor: 'test' };
      let balance = 1000;
      const movements = amounts.map((amount) => {
        balance += amount;
        return amount > 0
          ? { type: 'MoneyDeposited', data: { accountId, amount, balanceAfter: balance } }
          : { type: 'MoneyWithdrawn', data: { accountId, amount: -amount, balanceAfter: balance } };
      });
      const opened = {
        type: 'AccountOpened',
        schemaVersion: 2,
        data: {
          accountId,
          ownerId: 'cust-replicas',
          ownerName: 'Two Replicas',
          currency: 'EUR',
          initialDeposit: 1000,
        },
      };
      await store.append({
        streamId,
        streamType: 'account',
        expectedVersion: 0,
        events: [opened, ...movements].map((e) => ({
          eventId: randomUUID(),
          schemaVersion: 1,
          metadata,
          ...e,
        })),
      });
      await db.query('DELETE FROM outbox WHERE message_key = $1', [streamId]);
      const events = (await store.readStream(streamId)).map((e) => fromStoredEvent(e, upcasters));
      return { accountId, events };
    };

    /**
     * Replica A applies `batch` and keeps its transaction open; replica B
     * applies the same batch meanwhile: B must wait on A's lock, and once A
     * committed, find the whole batch applied and skip it.
     */
    const raceSameBatch = async (batch: LedgerEvent[]) => {
      const [a, b] = await Promise.all([db.connect(), db.connect()]);
      const { rows } = await b.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const bWaitsOnALock = async () =>
        (
          await db.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [
            rows[0].pid,
          ])
        ).rowCount === 1;
      try {
        await a.query('BEGIN');
        await b.query('BEGIN');
        expect(await applier.apply(a, batch)).toMatchObject({ applied: batch.length, duplicates: 0 });
        const second = applier.apply(b, batch);
        expect(await eventually(bWaitsOnALock, 5000, 20)).toBe(true);
        await a.query('COMMIT');
        expect(await second).toMatchObject({ applied: 0, duplicates: batch.length });
        await b.query('COMMIT');
      } finally {
        await a.query('ROLLBACK').catch(() => undefined);
        await b.query('ROLLBACK').catch(() => undefined);
        a.release();
        b.release();
      }
    };

    const historyVersions = async (accountId: string) =>
      (
        await db.query<{ version: string }>(
          'SELECT version FROM account_transactions WHERE account_id = $1 ORDER BY version',
          [accountId],
        )
      ).rows.map((r) => Number(r.version));

    it('the second waits for the first, then finds the batch applied and skips it', async () => {
      const { accountId, events } = await storedAccount([250, -100]);
      const [opened, ...movements] = events;
      await withTransaction(db, (c) => applier.apply(c, [opened]));
      await raceSameBatch(movements);
      expect(await historyVersions(accountId)).toEqual([1, 2, 3]);
      expect(await readModels(db, accountId)).toEqual(await foldFromStore(db, accountId));
      expect((await readModels(db, accountId))?.balance).toBe(1150);
    }, 30_000);

    it('a new account: the second waits for the first to insert its row, then skips the batch', async () => {
      const { accountId, events } = await storedAccount([40]);
      await raceSameBatch(events);
      expect(await historyVersions(accountId)).toEqual([1, 2]);
      expect(await readModels(db, accountId)).toEqual(await foldFromStore(db, accountId));
      expect((await readModels(db, accountId))?.balance).toBe(1040);
    }, 30_000);
  });
});

async function withTransaction<T>(db: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
