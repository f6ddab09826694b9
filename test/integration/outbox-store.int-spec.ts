/**
 * OutboxStore's statements against the real Postgres: what the relay reads,
 * deletes and waits for, and its lease — apart from Kafka (the relay as a
 * whole is outbox-relay.int-spec.ts).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DATABASE_ROLES, OutboxStore, type OutboxLease } from '@cqrs-bank/event-store';
import type pg from 'pg';
import { testConfig, testPool } from '../support/database.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('OutboxStore', () => {
  let pool: pg.Pool;
  let db: pg.Pool;
  let store: OutboxStore;
  const leases: OutboxLease[] = [];

  beforeAll(() => {
    pool = testPool(4);
    db = testPool(4);
    store = new OutboxStore(pool, testConfig().DATABASE_URL, 'outbox-store-test');
  });
  beforeEach(async () => {
    await db.query('DELETE FROM outbox');
  });
  afterEach(async () => {
    await Promise.all(leases.splice(0).map((l) => l.release()));
  });
  afterAll(async () => {
    await Promise.all([pool.end(), db.end()]);
  });

  async function lease(): Promise<OutboxLease> {
    const l = await store.tryLease();
    if (!l) throw new Error('the lease is held elsewhere');
    leases.push(l);
    return l;
  }

  /** Inserts outbox rows, each in its own transaction; resolves with their ids in order. */
  async function insert(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO outbox (topic, message_key, event_id, headers, payload)
         VALUES ('test.outbox-store', $1, $2, '{"ce_id":"x"}', $3) RETURNING id`,
        [`key-${i}`, randomUUID(), JSON.stringify({ n: i })],
      );
      ids.push(rows[0].id);
    }
    return ids;
  }

  const remaining = async () =>
    (await db.query<{ id: string }>('SELECT id FROM outbox ORDER BY id')).rows.map((r) => r.id);

  it('fetches the oldest rows other than those in flight, as Kafka gets them', async () => {
    const ids = await insert(6);
    const rows = await store.fetch(3, [ids[0], ids[2]]);
    expect(rows.map((r) => r.id)).toEqual([ids[1], ids[3], ids[4]]);
    expect(rows[0]).toEqual({
      id: ids[1],
      topic: 'test.outbox-store',
      key: 'key-1',
      headers: { ce_id: 'x' },
      value: '{"n": 1}',
    });
    expect(await remaining()).toEqual(ids);
  });

  it('deletes the published rows and reads past them and those in flight, in one statement', async () => {
    const ids = await insert(8);
    const rows = await store.removeAndFetch([ids[0], ids[1]], 3, [ids[2], ids[3]]);
    // The statement's snapshot still holds the rows it deletes: they must not come back.
    expect(rows.map((r) => r.id)).toEqual([ids[4], ids[5], ids[6]]);
    expect(await remaining()).toEqual(ids.slice(2));
    // Nothing to delete: a plain read.
    expect((await store.removeAndFetch([], 10)).map((r) => r.id)).toEqual(ids.slice(2));
  });

  it('settles on the lease session: deletes, reads on, and answers undefined once the session is cut', async () => {
    const l = await lease();
    const ids = await insert(5);
    const next = await l.settle([ids[0], ids[1]], 2);
    expect(next?.map((r) => r.id)).toEqual([ids[2], ids[3]]);
    expect(await remaining()).toEqual(ids.slice(2));

    await db.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'outbox-store-test:leader' AND datname = current_database()",
    );
    for (let i = 0; i < 100 && l.held; i++) await sleep(20);
    expect(l.held).toBe(false);
    // A deposed leader deletes nothing.
    expect(await l.settle([ids[2]], 2)).toBeUndefined();
    expect(await remaining()).toEqual(ids.slice(2));
  });

  it('counts notifications: waitForRows returns at once for rows committed after `since`, waits otherwise', async () => {
    const l = await lease();
    const since = l.notifications;
    await insert(1);
    for (let i = 0; i < 100 && l.notifications === since; i++) await sleep(10);
    expect(l.notifications).toBeGreaterThan(since);
    const first = await Promise.race([
      l.waitForRows(60_000, since).then(() => 'rows'),
      sleep(5_000).then(() => 'still waiting'),
    ]);
    expect(first).toBe('rows');

    // Nothing new since `now`: the wait lasts until a row commits.
    const now = l.notifications;
    let woke = false;
    const waiting = l.waitForRows(10_000, now).then(() => (woke = true));
    await sleep(300);
    expect(woke).toBe(false);
    await insert(1);
    await waiting;
    expect(l.notifications).toBeGreaterThan(now);
  });

  it("runs the lease session with the pool's session options: the app's DB_ROLE", async () => {
    const ids = await insert(2);
    const url = testConfig().DATABASE_URL;
    const asQuery = await new OutboxStore(
      pool,
      url,
      'outbox-store-test',
      `-c role=${DATABASE_ROLES.query}`,
    ).tryLease();
    if (!asQuery) throw new Error('the lease is held elsewhere');
    leases.push(asQuery);
    await expect(asQuery.settle([ids[0]], 1)).rejects.toThrow(/permission denied/);
    await asQuery.release();
    const asRelay = await new OutboxStore(
      pool,
      url,
      'outbox-store-test',
      `-c role=${DATABASE_ROLES.relay}`,
    ).tryLease();
    if (!asRelay) throw new Error('the lease is held elsewhere');
    leases.push(asRelay);
    expect((await asRelay.settle([ids[0]], 1))?.map((r) => r.id)).toEqual([ids[1]]);
  });

  it('grants the lease to one session at a time', async () => {
    const first = await lease();
    expect(await store.tryLease()).toBeUndefined();
    await first.release();
    expect(await lease()).toBeDefined();
  });
});
