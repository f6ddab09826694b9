/**
 * OutboxStore's statements against the real Postgres: what the relay reads,
 * deletes and waits for, and its lease — apart from Kafka (the relay as a
 * whole is outbox-relay.int-spec.ts).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DATABASE_ROLES, OUTBOX_START, OutboxStore, type OutboxLease } from '@cqrs-bank/event-store';
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

  /** The lease of `of` (this suite's store unless another is given), released after the test. */
  async function lease(of: OutboxStore = store): Promise<OutboxLease> {
    const l = await of.tryLease();
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
    const { rows } = await store.fetch(3, { inFlight: [ids[0], ids[2]] });
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

  it('reads in transaction order, transaction ids compared as numbers', async () => {
    // Rows as transactions 10 and 9 would have written them (ids in the other order).
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO outbox (tx_id, topic, message_key, event_id, headers, payload)
       VALUES ('10', 'test.outbox-store', 'a', gen_random_uuid(), '{}', '{}'),
              ('9', 'test.outbox-store', 'b', gen_random_uuid(), '{}', '{}')
       RETURNING id`,
    );
    const read = await store.fetch(10);
    expect(read.rows.map((r) => r.id)).toEqual([rows[1].id, rows[0].id]);
  });

  it('deletes the published rows and reads past them and those in flight, in one statement', async () => {
    const ids = await insert(8);
    const { rows } = await store.removeAndFetch([ids[0], ids[1]], 3, { inFlight: [ids[2], ids[3]] });
    // The statement's snapshot still holds the rows it deletes: they must not come back.
    expect(rows.map((r) => r.id)).toEqual([ids[4], ids[5], ids[6]]);
    expect(await remaining()).toEqual(ids.slice(2));
    // Nothing to delete: a plain read.
    expect((await store.removeAndFetch([], 10)).rows.map((r) => r.id)).toEqual(ids.slice(2));
  });

  it('starts the next read past the published rows, yet never past a transaction still open', async () => {
    const ids = await insert(3);
    const first = await store.fetch(10);
    expect(first.rows.map((r) => r.id)).toEqual(ids);
    // A transaction that began before the read and commits after it, with the lowest tx_id of all.
    const late = await db.connect();
    try {
      await late.query('BEGIN');
      const { rows: xid } = await late.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
      const after = await insert(1);
      const read = await store.removeAndFetch(ids, 10, { from: first.next });
      expect(read.rows.map((r) => r.id)).toEqual(after);
      // Not past the open transaction, whatever committed since.
      expect(read.next).toBe(xid[0].xid);
      const { rows: lateRow } = await late.query<{ id: string }>(
        `INSERT INTO outbox (topic, message_key, event_id, headers, payload)
         VALUES ('test.outbox-store', 'late', $1, '{}', '{}') RETURNING id`,
        [randomUUID()],
      );
      await late.query('COMMIT');
      // Read from where the previous read said: the late row is there, ahead of the newer one.
      const again = await store.removeAndFetch([], 10, { from: read.next });
      expect(again.rows.map((r) => r.id)).toEqual([lateRow[0].id, ...after]);
      // Once it committed, the start moves on past it.
      expect(BigInt(again.next)).toBeGreaterThan(BigInt(xid[0].xid));
    } finally {
      await late.query('ROLLBACK');
      late.release();
    }
  });

  it('starts the next read at the last row returned when the limit cut a read short', async () => {
    // Rows of one transaction share a tx_id: the rest of it must follow.
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO outbox (topic, message_key, event_id, headers, payload)
       SELECT 'test.outbox-store', 'k' || n, gen_random_uuid(), '{}', '{}' FROM generate_series(1, 5) AS n
       RETURNING id`,
    );
    const ids = rows.map((r) => r.id);
    const first = await store.fetch(2);
    expect(first.rows.map((r) => r.id)).toEqual(ids.slice(0, 2));
    const second = await store.removeAndFetch(ids.slice(0, 2), 2, { from: first.next });
    expect(second.rows.map((r) => r.id)).toEqual(ids.slice(2, 4));
    const third = await store.removeAndFetch(ids.slice(2, 4), 2, { from: second.next });
    expect(third.rows.map((r) => r.id)).toEqual(ids.slice(4));
    // Nothing read: the next read starts where this one did.
    const empty = await store.removeAndFetch(ids.slice(4), 2, { from: third.next });
    expect(empty).toEqual({ rows: [], next: third.next });
  });

  it('settles on the lease session: deletes, reads on, and answers undefined once the session is cut', async () => {
    const l = await lease();
    const ids = await insert(5);
    const next = await l.settle([ids[0], ids[1]], 2, OUTBOX_START);
    expect(next?.rows.map((r) => r.id)).toEqual([ids[2], ids[3]]);
    expect(await remaining()).toEqual(ids.slice(2));

    await db.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'outbox-store-test:leader' AND datname = current_database()",
    );
    for (let i = 0; i < 100 && l.held; i++) await sleep(20);
    expect(l.held).toBe(false);
    // A deposed leader deletes nothing.
    expect(await l.settle([ids[2]], 2, OUTBOX_START)).toBeUndefined();
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
    const as = (role: string) =>
      lease(new OutboxStore(pool, testConfig().DATABASE_URL, 'outbox-store-test', `-c role=${role}`));
    const asQuery = await as(DATABASE_ROLES.query);
    await expect(asQuery.settle([ids[0]], 1, OUTBOX_START)).rejects.toThrow(/permission denied/);
    await asQuery.release();
    const asRelay = await as(DATABASE_ROLES.relay);
    expect((await asRelay.settle([ids[0]], 1, OUTBOX_START))?.rows.map((r) => r.id)).toEqual([ids[1]]);
  });

  it('grants the lease to one session at a time', async () => {
    const first = await lease();
    expect(await store.tryLease()).toBeUndefined();
    await first.release();
    expect(await lease()).toBeDefined();
  });
});
