import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import {
  ConcurrencyError,
  IdempotencyKeyTaken,
  PostgresEventStore,
  START_OF_LOG,
  UpcasterRegistry,
  type AppendRequest,
  type NewEvent,
} from '@cqrs-bank/event-store';
import type pg from 'pg';
import { count, testPool } from '../support/database.js';
import { eventually } from '../support/http.js';

const INTERNAL = 'test.internal';

function event(type = 'Thing', data: Record<string, unknown> = {}): NewEvent {
  return {
    eventId: randomUUID(),
    type,
    schemaVersion: 1,
    data,
    metadata: { correlationId: 'c', causationId: 'c', actor: 'test' },
  };
}

function request(
  streamId: string,
  expectedVersion: number,
  n = 1,
  extra: Partial<AppendRequest> = {},
): AppendRequest {
  return {
    streamId,
    streamType: 'test',
    expectedVersion,
    events: Array.from({ length: n }, (_, i) => event('Thing', { i })),
    ...extra,
  };
}

describe('PostgresEventStore', () => {
  let pool: pg.Pool;
  let store: PostgresEventStore;

  beforeAll(() => {
    pool = testPool(20);
    store = new PostgresEventStore(pool, { internalTopic: INTERNAL });
  });
  afterAll(async () => {
    await pool.end();
  });

  const rowsOf = (table: string, streamId: string) =>
    count(
      pool,
      table === 'events'
        ? 'SELECT 1 FROM events WHERE stream_id = $1'
        : table === 'outbox'
          ? "SELECT 1 FROM outbox WHERE message_key = $1 OR payload->>'streamId' = $1"
          : 'SELECT 1 FROM snapshots WHERE stream_id = $1',
      [streamId],
    );

  /**
   * Runs `work` while a trigger runs `action` (PL/pgSQL) for the rows of
   * `streamId`: before each outbox insert (inside the append's statement), or
   * after the events insert, deferred to the commit (`at: 'commit'`, the last
   * moment before the transaction ends).
   */
  const withFault = async (
    streamId: string,
    action: string,
    work: () => Promise<void>,
    at: 'outbox insert' | 'commit' = 'outbox insert',
  ) => {
    const name = `fault_${randomUUID().replaceAll('-', '')}`;
    const [table, column, trigger] =
      at === 'commit'
        ? [
            'events',
            'stream_id',
            `CREATE CONSTRAINT TRIGGER ${name} AFTER INSERT ON events DEFERRABLE INITIALLY DEFERRED`,
          ]
        : ['outbox', 'message_key', `CREATE TRIGGER ${name} BEFORE INSERT ON outbox`];
    await pool.query(`
      CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.${column} = '${streamId}' THEN ${action}; END IF;
        RETURN NEW;
      END $$`);
    await pool.query(`${trigger} FOR EACH ROW EXECUTE FUNCTION ${name}()`);
    try {
      await work();
    } finally {
      await pool.query(`DROP TRIGGER ${name} ON ${table}`);
      await pool.query(`DROP FUNCTION ${name}()`);
    }
  };

  it('appends events with gap-free versions and reads them back in order', async () => {
    const id = `s-${randomUUID()}`;
    await store.append(request(id, 0, 3));
    const result = await store.append(request(id, 3, 2));
    expect(result.version).toBe(5);
    const events = await store.readStream(id);
    expect(events.map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
    expect(events.map((e) => e.data.i)).toEqual([0, 1, 2, 0, 1]);
    expect(events[0].metadata).toMatchObject({ correlationId: 'c', actor: 'test' });
    expect(await store.streamVersion(id)).toBe(5);
  });

  it('writes one internal outbox message per event plus the caller’s messages, in the same transaction', async () => {
    const id = `s-${randomUUID()}`;
    const e = event('Opened', { x: 1 });
    const f = event('Changed', { y: [2, { z: null }] });
    await store.append({
      streamId: id,
      streamType: 'test',
      expectedVersion: 0,
      events: [e, f],
      outbox: [
        {
          topic: 'public',
          key: 'acc-1',
          eventId: e.eventId,
          headers: { ce_id: e.eventId },
          payload: { hello: 1 },
        },
      ],
    });
    const { rows } = await pool.query(
      'SELECT topic, message_key, event_id, headers, payload FROM outbox WHERE message_key = ANY($1) ORDER BY id',
      [[id, 'acc-1']],
    );
    expect(rows.map((r) => [r.topic, r.event_id])).toEqual([
      [INTERNAL, e.eventId],
      [INTERNAL, f.eventId],
      ['public', e.eventId],
    ]);
    // The internal message is the stored event itself, as consumers read it back.
    const stored = await store.readStream(id);
    stored.forEach((s, i) => {
      expect(rows[i].message_key).toBe(id);
      expect(rows[i].headers).toEqual({
        'content-type': 'application/json',
        'event-id': s.eventId,
        'event-type': s.type,
        'correlation-id': 'c',
      });
      expect(rows[i].payload).toEqual({
        eventId: s.eventId,
        streamId: id,
        streamType: 'test',
        version: i + 1,
        globalPosition: s.globalPosition.toString(),
        type: s.type,
        schemaVersion: 1,
        data: s.data,
        metadata: s.metadata,
        recordedAt: s.recordedAt.toISOString(),
      });
    });
    expect(rows[1].payload.data).toEqual({ y: [2, { z: null }] });
    expect(rows[2]).toMatchObject({
      message_key: 'acc-1',
      headers: { ce_id: e.eventId },
      payload: { hello: 1 },
    });
  });

  it('rejects a stale expected version with ConcurrencyError and writes nothing', async () => {
    const id = `s-${randomUUID()}`;
    await store.append(request(id, 0, 2));
    await expect(store.append(request(id, 1, 1))).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(store.append(request(id, 0, 1))).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await rowsOf('events', id)).toBe(2);
    expect(await rowsOf('outbox', id)).toBe(2);
  });

  it('lets exactly one of 30 concurrent writers at the same version win', async () => {
    const id = `s-${randomUUID()}`;
    await store.append(request(id, 0));
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => store.append(request(id, 1))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failures).toHaveLength(29);
    for (const f of failures) expect(f.reason).toBeInstanceOf(ConcurrencyError);
    expect((await store.readStream(id)).map((e) => e.version)).toEqual([1, 2]);
  });

  it('commits the other appends of a group when one of them conflicts', async () => {
    const streams = Array.from({ length: 10 }, () => `s-${randomUUID()}`);
    const results = await Promise.allSettled([
      ...streams.map((s) => store.append(request(s, 0))),
      // Loses against the first append to streams[0]: neither its outbox row nor its snapshot may stay.
      store.append(
        request(streams[0], 0, 1, { snapshot: { version: 1, schemaVersion: 1, state: { loser: true } } }),
      ),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    for (const s of streams) expect(await store.streamVersion(s)).toBe(1);
    // The loser wrote nothing: one internal message per stream, that of the winner.
    const { rows } = await pool.query<{ message_key: string; event_id: string }>(
      'SELECT message_key, event_id FROM outbox WHERE message_key = ANY($1)',
      [streams],
    );
    expect(rows.map((r) => r.message_key).sort()).toEqual([...streams].sort());
    const winners = (await Promise.all(streams.map((s) => store.readStream(s)))).map(([e]) => e.eventId);
    expect(rows.map((r) => r.event_id).sort()).toEqual(winners.sort());
    expect(await rowsOf('snapshots', streams[0])).toBe(0);
  });

  describe('idempotency records', () => {
    const record = (key: string, hash = 'h1') => ({
      scope: 'caller-1',
      key,
      requestHash: hash,
      statusCode: 200,
      response: { ok: true },
    });

    it('stores the record with the events and refuses the key a second time', async () => {
      const key = randomUUID();
      const id = `s-${randomUUID()}`;
      await store.append(request(id, 0, 1, { idempotency: record(key) }));
      expect(await store.findIdempotencyRecord('caller-1', key)).toEqual(record(key));
      const second = store.append(request(`s-${randomUUID()}`, 0, 1, { idempotency: record(key, 'h2') }));
      await expect(second).rejects.toBeInstanceOf(IdempotencyKeyTaken);
    });

    it('lets only one of 20 concurrent requests with one key write anything', async () => {
      const key = randomUUID();
      const id = `s-${randomUUID()}`;
      await store.append(request(id, 0));
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => store.append(request(id, 1, 1, { idempotency: record(key) }))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await store.streamVersion(id)).toBe(2);
    });

    it('keeps no record for an append that lost a version conflict', async () => {
      const key = randomUUID();
      const id = `s-${randomUUID()}`;
      await store.append(request(id, 0));
      await expect(store.append(request(id, 0, 1, { idempotency: record(key) }))).rejects.toBeInstanceOf(
        ConcurrencyError,
      );
      expect(await store.findIdempotencyRecord('caller-1', key)).toBeUndefined();
    });
  });

  it('leaves no event, outbox row or idempotency record when the transaction fails after the events insert', async () => {
    const id = `s-${randomUUID()}`;
    const key = randomUUID();
    // Fault injection inside the transaction: the outbox insert (with the events insert) fails for this stream.
    await withFault(id, "RAISE EXCEPTION 'injected failure'", () =>
      expect(
        store.append(
          request(id, 0, 2, {
            idempotency: { scope: 's', key, requestHash: 'h', statusCode: 200, response: {} },
          }),
        ),
      ).rejects.toThrow(/injected failure/),
    );
    expect(await rowsOf('events', id)).toBe(0);
    expect(await rowsOf('outbox', id)).toBe(0);
    expect(await store.findIdempotencyRecord('s', key)).toBeUndefined();
  });

  it('leaves no event when the outbox insert fails inside a single-statement append (no key, one event)', async () => {
    const id = `s-${randomUUID()}`;
    await withFault(id, "RAISE EXCEPTION 'injected failure'", () =>
      expect(store.append(request(id, 0))).rejects.toThrow(/injected failure/),
    );
    expect(await rowsOf('events', id)).toBe(0);
    expect(await rowsOf('outbox', id)).toBe(0);
  });

  it.each([
    ['with an idempotency key, in BEGIN … COMMIT', { n: 2, keyed: true }],
    ['without a key, one event: a statement on its own', { n: 1, keyed: false }],
  ])('leaves nothing when the commit itself fails (%s)', async (_, { n, keyed }) => {
    const id = `s-${randomUUID()}`;
    const key = randomUUID();
    const idempotency = keyed
      ? { scope: 's', key, requestHash: 'h', statusCode: 200, response: {} }
      : undefined;
    await withFault(
      id,
      "RAISE EXCEPTION 'injected failure at commit'",
      () =>
        expect(store.append(request(id, 0, n, { idempotency }))).rejects.toThrow(
          /injected failure at commit/,
        ),
      'commit',
    );
    expect(await rowsOf('events', id)).toBe(0);
    expect(await rowsOf('outbox', id)).toBe(0);
    expect(await store.findIdempotencyRecord('s', key)).toBeUndefined();
  });

  it('sends a single-statement append again when the server ended its session before it committed', async () => {
    const id = `s-${randomUUID()}`;
    // The append's statement takes a while for this stream: long enough to end its session meanwhile.
    await withFault(id, 'PERFORM pg_sleep(0.3)', async () => {
      const appending = store.append(request(id, 0));
      const endSession = async () =>
        (
          await pool.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE wait_event = 'PgSleep' AND query LIKE '%INSERT INTO events%' AND pid <> pg_backend_pid()`,
          )
        ).rowCount === 1;
      expect(await eventually(endSession, 5000, 10)).toBe(true);
      await expect(appending).resolves.toMatchObject({ streamId: id, version: 1 });
    });
    expect(await rowsOf('events', id)).toBe(1);
    expect(await rowsOf('outbox', id)).toBe(1);
  });

  it('refuses to update, delete or truncate events (the database enforces append-only)', async () => {
    const id = `s-${randomUUID()}`;
    await store.append(request(id, 0));
    await expect(pool.query("UPDATE events SET data = '{}' WHERE stream_id = $1", [id])).rejects.toThrow(
      /append-only/,
    );
    await expect(pool.query('DELETE FROM events WHERE stream_id = $1', [id])).rejects.toThrow(/append-only/);
    await expect(pool.query('TRUNCATE events')).rejects.toThrow(/append-only/);
    expect(await rowsOf('events', id)).toBe(1);
  });

  it('folds a stream longer than one page, from its snapshot when there is one', async () => {
    const streamId = `s-${randomUUID()}`;
    await pool.query(
      `INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
       SELECT gen_random_uuid(), $1, 'test', v, 'Counted', 1, jsonb_build_object('n', v), '{}'
         FROM generate_series(1, 25000) AS v`,
      [streamId],
    );
    const folder = {
      initial: () => ({ sum: 0, last: 0, gaps: 0 }),
      fromSnapshot: (state: Record<string, unknown>, version: number) => ({
        sum: state.sum as number,
        last: version,
        gaps: 0,
      }),
      apply: (
        s: { sum: number; last: number; gaps: number },
        e: { data: Record<string, unknown>; version: number },
      ) => ({
        sum: s.sum + (e.data.n as number),
        last: e.version,
        gaps: s.gaps + (e.version === s.last + 1 ? 0 : 1),
      }),
    };
    expect(await store.foldStream(streamId, folder)).toEqual({
      sum: (25000 * 25001) / 2,
      last: 25000,
      gaps: 0,
    });

    await pool.query(
      `INSERT INTO snapshots (stream_id, version, schema_version, state) VALUES ($1, 12345, 7, $2)`,
      // The snapshot's sum is off by 7 on purpose: it shows whether the fold started from it.
      [streamId, JSON.stringify({ sum: (12345 * 12346) / 2 + 7 })],
    );
    expect(await store.foldStream(streamId, folder, 7)).toEqual({
      sum: (25000 * 25001) / 2 + 7,
      last: 25000,
      gaps: 0,
    });
    // A snapshot of another schema is ignored: the fold starts from the first event.
    expect(await store.foldStream(streamId, folder, 8)).toEqual({
      sum: (25000 * 25001) / 2,
      last: 25000,
      gaps: 0,
    });
  });

  describe('snapshots', () => {
    it('loads the newest snapshot and only the events after it', async () => {
      const id = `s-${randomUUID()}`;
      await store.append(request(id, 0, 3, { snapshot: { version: 3, schemaVersion: 1, state: { n: 3 } } }));
      await store.append(request(id, 3, 2));
      const loaded = await store.loadStream(id, 1);
      expect(loaded.snapshot).toEqual({ version: 3, schemaVersion: 1, state: { n: 3 } });
      expect(loaded.events.map((e) => e.version)).toEqual([4, 5]);
    });

    it('ignores a snapshot written under another snapshot schema', async () => {
      const id = `s-${randomUUID()}`;
      await store.append(
        request(id, 0, 2, { snapshot: { version: 2, schemaVersion: 1, state: { old: true } } }),
      );
      const loaded = await store.loadStream(id, 2);
      expect(loaded.snapshot).toBeUndefined();
      expect(loaded.events.map((e) => e.version)).toEqual([1, 2]);
    });
  });

  it('upcasts old event shapes on read through the registered chain', async () => {
    const upcasters = new UpcasterRegistry()
      .register('Renamed', 1, (d) => ({ fullName: d.name }))
      .register('Renamed', 2, (d) => ({ ...d, nick: null }));
    const upcasting = new PostgresEventStore(pool, { internalTopic: INTERNAL, upcasters });
    const id = `s-${randomUUID()}`;
    await pool.query(
      `INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
       VALUES ($1, $2, 'test', 1, 'Renamed', 1, '{"name":"Ada"}', '{}')`,
      [randomUUID(), id],
    );
    const [e] = await upcasting.readStream(id);
    expect(e).toMatchObject({ type: 'Renamed', schemaVersion: 3, data: { fullName: 'Ada', nick: null } });
  });

  describe('readAll (gap-safe global order)', () => {
    async function readEverything(from = START_OF_LOG) {
      const seen: string[] = [];
      let checkpoint = from;
      for (;;) {
        const page = await store.readAll(checkpoint, 500);
        if (page.events.length === 0) return { seen, checkpoint };
        seen.push(...page.events.map((e) => e.eventId));
        checkpoint = page.checkpoint;
      }
    }

    it('never skips an event that commits later with a lower position', async () => {
      const { checkpoint: start } = await readEverything();

      // T1 takes a global position first but stays open…
      const slow = await pool.connect();
      const slowId = randomUUID();
      await slow.query('BEGIN');
      await slow.query(
        `INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
         VALUES ($1, $2, 'test', 1, 'Slow', 1, '{}', '{}')`,
        [slowId, `s-${randomUUID()}`],
      );
      // …while T2 commits a later position.
      const fastStream = `s-${randomUUID()}`;
      await store.append(request(fastStream, 0));
      const [fast] = await store.readStream(fastStream);

      const whileOpen = await readEverything(start);
      expect(whileOpen.seen).not.toContain(fast.eventId); // held back, not skipped past T1
      expect(whileOpen.seen).not.toContain(slowId);

      await slow.query('COMMIT');
      slow.release();
      // Other transactions open on the server may hold the read back briefly.
      const after = { seen: [] as string[], checkpoint: whileOpen.checkpoint };
      const deadline = Date.now() + 20_000;
      while (!(after.seen.includes(slowId) && after.seen.includes(fast.eventId)) && Date.now() < deadline) {
        const more = await readEverything(after.checkpoint);
        after.seen.push(...more.seen);
        after.checkpoint = more.checkpoint;
        if (more.seen.length === 0) await new Promise((r) => setTimeout(r, 50));
      }
      expect(after.seen).toContain(slowId);
      expect(after.seen).toContain(fast.eventId);
      expect(after.seen.indexOf(slowId)).toBeLessThan(after.seen.indexOf(fast.eventId));
    });

    it('pages through the log without repeating or losing events', async () => {
      const { checkpoint: start } = await readEverything();
      const streams = Array.from({ length: 15 }, () => `s-${randomUUID()}`);
      await Promise.all(streams.map((s) => store.append(request(s, 0, 3))));
      const seen: string[] = [];
      let checkpoint = start;
      // Transactions still open anywhere on the server (snapshot xmin is
      // cluster-wide) hold later events back for a moment: keep paging.
      const deadline = Date.now() + 20_000;
      while (seen.length < 45 && Date.now() < deadline) {
        const page = await store.readAll(checkpoint, 7);
        if (page.events.length === 0) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        seen.push(...page.events.map((e) => e.eventId));
        checkpoint = page.checkpoint;
      }
      expect((await store.readAll(checkpoint, 7)).events).toHaveLength(0);
      expect(seen).toHaveLength(45);
      expect(new Set(seen).size).toBe(45);
    });
  });
});
