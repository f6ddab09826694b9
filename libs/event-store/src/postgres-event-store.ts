import {
  activeTraceHeaders,
  CLOUD_EVENTS_TRACE_PREFIX,
  inSpan,
  isTracing,
  type Span,
  type TraceHeaders,
} from '@cqrs-bank/platform';
import pg from 'pg';
import { ConcurrencyError, IdempotencyKeyTaken } from './event-store.errors.js';
import type {
  AppendRequest,
  AppendResult,
  GlobalCheckpoint,
  IdempotencyRecord,
  OutboxMessage,
  SnapshotRecord,
  StoredEvent,
  StreamFolder,
} from './event-store.types.js';
import { UpcasterRegistry } from './upcasters.js';

export interface EventStoreOptions {
  /** Topic that receives every event in full (the projector's feed). */
  internalTopic: string;
  upcasters?: UpcasterRegistry;
  /** Most appends committed together in one transaction (group commit). */
  maxBatchSize?: number;
  /** Most group-commit transactions in flight at once. */
  maxConcurrentCommits?: number;
}

interface EventRow {
  event_id: string;
  stream_id: string;
  stream_type: string;
  version: string;
  global_position: string;
  type: string;
  schema_version: number;
  data: Record<string, unknown>;
  metadata: StoredEvent['metadata'];
  recorded_at: Date;
  tx_id: string;
}

interface Pending {
  request: AppendRequest;
  /** Tracing on: the append's span, and its `traceparent` for the outbox rows when it is sampled. */
  span?: Span;
  trace?: TraceHeaders;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: AppendResult } | { error: Error };

const EVENT_COLUMNS =
  'event_id, stream_id, stream_type, version, global_position, type, schema_version, data, metadata, recorded_at, tx_id';

/**
 * One append statement of a group commit (see appendStatement). The internal
 * message is the stored event as JSON: the fields of StoredEvent, the global
 * position as a string, recordedAt in ISO 8601 with milliseconds (cut, not
 * rounded, as a JS Date of the row would be).
 */
const APPEND_SQL = `
  WITH ev AS (
    INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
    SELECT id, stream, stype, version, etype, schema, data::jsonb, meta::jsonb
      FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::int[], $7::text[], $8::text[])
           AS t(id, stream, stype, version, etype, schema, data, meta)
    ON CONFLICT (stream_id, version) DO NOTHING
    RETURNING ${EVENT_COLUMNS}
  ), ob AS (
    INSERT INTO outbox (topic, message_key, event_id, headers, payload)
    SELECT o.topic, o.mkey, o.event_id, o.headers::jsonb,
           coalesce(o.payload::jsonb, jsonb_build_object(
             'eventId', ev.event_id, 'streamId', ev.stream_id, 'streamType', ev.stream_type,
             'version', ev.version, 'globalPosition', ev.global_position::text, 'type', ev.type,
             'schemaVersion', ev.schema_version, 'data', ev.data, 'metadata', ev.metadata,
             'recordedAt', to_char(ev.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
      FROM unnest($9::text[], $10::text[], $11::uuid[], $12::text[], $13::text[], $14::uuid[]) WITH ORDINALITY
           AS o(topic, mkey, event_id, headers, payload, gate, n)
      JOIN ev ON ev.event_id = o.gate
     ORDER BY o.n
  ), sn AS (
    INSERT INTO snapshots (stream_id, version, schema_version, state)
    SELECT s.stream_id, s.version, s.schema_version, s.state::jsonb
      FROM unnest($15::text[], $16::bigint[], $17::int[], $18::text[], $19::uuid[])
           AS s(stream_id, version, schema_version, state, gate)
     WHERE s.gate IN (SELECT event_id FROM ev)
    ON CONFLICT (stream_id) DO UPDATE
       SET version = excluded.version, schema_version = excluded.schema_version, state = excluded.state,
           taken_at = now()
     WHERE snapshots.version < excluded.version OR snapshots.schema_version <> excluded.schema_version
  )
  SELECT * FROM ev`;

/**
 * The Postgres event store: the only code that writes or reads the event
 * tables. Appends from concurrent callers are group-committed: up to
 * `maxBatchSize` appends share one transaction and one fsync, and a stream
 * conflict or a taken idempotency key fails only the append it concerns.
 */
export class PostgresEventStore {
  private readonly upcasters: UpcasterRegistry;
  private readonly maxBatchSize: number;
  private readonly maxConcurrentCommits: number;
  private queue: Pending[] = [];
  private commitsInFlight = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: EventStoreOptions,
  ) {
    this.upcasters = options.upcasters ?? new UpcasterRegistry();
    this.maxBatchSize = options.maxBatchSize ?? 64;
    this.maxConcurrentCommits = options.maxConcurrentCommits ?? 4;
  }

  // ---------------------------------------------------------------- writes

  /**
   * Appends events to a stream whose current version must be `expectedVersion`,
   * together with their outbox messages, the snapshot and the idempotency
   * record, atomically. Rejects with ConcurrencyError or IdempotencyKeyTaken.
   */
  append(request: AppendRequest): Promise<AppendResult> {
    if (request.events.length === 0) return Promise.reject(new Error('append needs at least one event'));
    if (isTracing()) return this.tracedAppend(request);
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.drain();
    });
  }

  /**
   * The append in a span of the caller's trace, from the queue to the commit,
   * and its trace context in the headers of every outbox row it writes, so the
   * relay and the consumers continue that trace.
   *
   * One span per append rather than per group-commit transaction: a batch
   * holds appends of up to EVENT_STORE_BATCH_SIZE different requests, hence
   * traces, and a batch span could belong to one of them only (or to a trace of
   * its own, linked to the others — a trace per commit, which backends show
   * poorly). What a request's trace needs is when its append left the queue
   * (the `group commit` event, with the batch's size) and when it committed.
   */
  private tracedAppend(request: AppendRequest): Promise<AppendResult> {
    return inSpan(
      `append ${request.streamType}`,
      {
        attributes: {
          'db.system.name': 'postgresql',
          'db.operation.name': 'append',
          'cqrs_bank.stream.id': request.streamId,
          'cqrs_bank.stream.expected_version': request.expectedVersion,
          'cqrs_bank.event.count': request.events.length,
        },
      },
      (span) =>
        new Promise<AppendResult>((resolve, reject) => {
          this.queue.push({ request, span, trace: activeTraceHeaders(), resolve, reject });
          this.drain();
        }),
    );
  }

  private drain(): void {
    while (this.queue.length > 0 && this.commitsInFlight < this.maxConcurrentCommits) {
      const batch = this.queue.splice(0, this.maxBatchSize);
      this.commitsInFlight += 1;
      void this.commitBatch(batch).finally(() => {
        this.commitsInFlight -= 1;
        this.drain();
      });
    }
  }

  private async commitBatch(batch: Pending[]): Promise<void> {
    for (const p of batch) p.span?.addEvent('group commit', { 'db.operation.batch.size': batch.length });
    let outcomes: Outcome[];
    try {
      outcomes = batch.every((p) => oneStatementSuffices(p.request))
        ? await this.appendInOneStatement(batch)
        : await this.inTransaction((client) => this.writeBatch(client, batch));
    } catch (err) {
      if (batch.length === 1) {
        batch[0].reject(err);
        return;
      }
      // Something unexpected (deadlock, a constraint) failed the shared
      // transaction: isolate it by committing each append on its own.
      await Promise.all(
        batch.map(async (p) => {
          p.span?.addEvent('commit alone: the shared transaction failed');
          try {
            const [outcome] = await this.inTransaction((client) => this.writeBatch(client, [p]));
            settle(p, outcome);
          } catch (error) {
            p.reject(error);
          }
        }),
      );
      return;
    }
    batch.forEach((p, i) => settle(p, outcomes[i]));
  }

  private async inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const { client, health } = await this.begin();
    try {
      const result = await work(client);
      await client.query('COMMIT');
      client.release(health.broken);
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        health.broken = true;
      }
      client.release(health.broken);
      throw err;
    }
  }

  /**
   * Checks out a connection and opens a transaction. A pooled connection the
   * server has already closed (restart, pg_terminate_backend) fails on BEGIN,
   * before anything was written: then it is discarded and another one tried,
   * so a restarted database costs no request once it answers again.
   */
  private async begin(): Promise<{ client: pg.PoolClient; health: ConnectionHealth }> {
    for (let attempt = 1; ; attempt += 1) {
      const client = await this.pool.connect();
      const health = watch(client);
      try {
        await client.query('BEGIN');
        return { client, health };
      } catch (err) {
        client.release(true);
        if (attempt >= CONNECT_ATTEMPTS || !isConnectionError(err)) throw err;
      }
    }
  }

  /** A read on the pool; safe to repeat once when it met a dead pooled connection. */
  private async read<R extends pg.QueryResultRow>(query: pg.QueryConfig): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(query);
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      return this.pool.query<R>(query);
    }
  }

  /**
   * A batch of appends that need nothing but their one statement (see
   * oneStatementSuffices): sent alone, as its own transaction — no BEGIN, no
   * COMMIT. If the server ended the session before answering (a restart,
   * pg_terminate_backend), the statement either committed as a whole or died
   * with the session; the events' ids tell which, on another connection, and
   * only a statement that wrote none is sent again (were they all lost races,
   * they lose again).
   */
  private async appendInOneStatement(batch: Pick<Pending, 'request' | 'trace'>[]): Promise<Outcome[]> {
    const requests = batch.map((p) => p.request);
    const order = requests.map((_, i) => i).sort((a, b) => cmp(requests[a].streamId, requests[b].streamId));
    const outcomes: (Outcome | undefined)[] = new Array(requests.length);
    for (let attempt = 1; ; attempt += 1) {
      let written: EventRow[];
      try {
        written = (await this.pool.query<EventRow>(this.appendStatement(batch, order))).rows;
      } catch (err) {
        if (attempt >= CONNECT_ATTEMPTS || !isSessionEnded(err)) throw err;
        written = (
          await this.read<EventRow>({
            name: 'es_append_outcome',
            text: `SELECT ${EVENT_COLUMNS} FROM events WHERE event_id = ANY($1::uuid[])`,
            values: [requests.flatMap((r) => r.events.map((e) => e.eventId))],
          })
        ).rows;
        if (written.length === 0) continue;
      }
      settleAppends(requests, order, written, outcomes);
      return outcomes as Outcome[];
    }
  }

  /** Writes a batch inside an open transaction; returns one outcome per request. */
  private async writeBatch(
    client: pg.PoolClient,
    batch: Pick<Pending, 'request' | 'trace'>[],
  ): Promise<Outcome[]> {
    const requests = batch.map((p) => p.request);
    const outcomes: (Outcome | undefined)[] = new Array(requests.length);
    // Sorted by stream so concurrent batches take row locks in one order.
    const order = requests.map((_, i) => i).sort((a, b) => cmp(requests[a].streamId, requests[b].streamId));

    // 1. Idempotency records first: an in-flight duplicate blocks here until
    //    the first commits, then finds the key taken.
    const keyed = order.filter((i) => requests[i].idempotency);
    const keysWritten = new Set<number>();
    if (keyed.length > 0) {
      const recs = keyed.map((i) => requests[i].idempotency!);
      const { rows } = await client.query<{ scope: string; idem_key: string }>({
        name: 'es_append_idempotency',
        text: `INSERT INTO idempotency_keys (scope, idem_key, request_hash, status_code, response)
         SELECT scope, idem_key, request_hash, status_code, response::jsonb
           FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[]) WITH ORDINALITY
                AS t(scope, idem_key, request_hash, status_code, response, n)
          ORDER BY n
         ON CONFLICT DO NOTHING
         RETURNING scope, idem_key`,
        values: [
          recs.map((r) => r.scope),
          recs.map((r) => r.key),
          recs.map((r) => r.requestHash),
          recs.map((r) => r.statusCode),
          recs.map((r) => JSON.stringify(r.response)),
        ],
      });
      // Within one batch the first request with a key wins it (rows go in in that order).
      const firstWithKey = new Map<string, number>();
      for (const i of keyed) {
        const k = idemKey(requests[i].idempotency!);
        if (!firstWithKey.has(k)) firstWithKey.set(k, i);
      }
      for (const row of rows) keysWritten.add(firstWithKey.get(`${row.scope}\u0000${row.idem_key}`)!);
      for (const i of keyed) {
        if (!keysWritten.has(i)) {
          const r = requests[i].idempotency!;
          outcomes[i] = { error: new IdempotencyKeyTaken(r.scope, r.key) };
        }
      }
    }

    // 2. Events, their outbox rows and the snapshots that fell due, in ONE
    //    statement (appendStatement): a (stream, version) that exists already
    //    means a concurrent writer won, and then that append writes nothing.
    const candidates = order.filter((i) => outcomes[i] === undefined);
    const written =
      candidates.length > 0
        ? (await client.query<EventRow>(this.appendStatement(batch, candidates))).rows
        : [];
    const succeeded = settleAppends(requests, candidates, written, outcomes);
    const won = new Set(succeeded);
    const conflictedKeys = candidates.flatMap((i) => {
      const key = requests[i].idempotency;
      return !won.has(i) && key ? [key] : [];
    });

    // 3. A conflicted append keeps nothing, not even its idempotency record.
    if (conflictedKeys.length > 0) {
      await client.query({
        name: 'es_append_release_keys',
        text: `DELETE FROM idempotency_keys k USING unnest($1::text[], $2::text[]) AS d(scope, idem_key)
          WHERE k.scope = d.scope AND k.idem_key = d.idem_key`,
        values: [conflictedKeys.map((k) => k.scope), conflictedKeys.map((k) => k.key)],
      });
    }

    // 4. Crypto-shredding: the data keys die with the commit of the events recording it.
    const erased = [
      ...new Set(succeeded.map((i) => requests[i].erasePersonalDataOf).filter((o) => o !== undefined)),
    ].sort(cmp);
    if (erased.length > 0) {
      await client.query({
        name: 'es_append_erase_keys',
        text: `INSERT INTO personal_data_keys (owner_id, wrapped_key, erased_at)
         SELECT owner_id, NULL, now() FROM unnest($1::text[]) AS t(owner_id)
         ON CONFLICT (owner_id) DO UPDATE
            SET wrapped_key = NULL, erased_at = coalesce(personal_data_keys.erased_at, excluded.erased_at)`,
        values: [erased],
      });
    }

    return outcomes as Outcome[];
  }

  /**
   * The statement appending `candidates` (indexes into `batch`): the events
   * INSERT … ON CONFLICT (stream_id, version) DO NOTHING RETURNING them, with
   * the outbox rows and the snapshots as data-modifying CTEs joined to the
   * events it wrote — an append that lost its race gets no outbox row and no
   * snapshot. Outbox rows: each event's internal message (built here from the
   * written row, with its global position and commit-time recorded_at), then
   * the caller's own messages, in that order; with the append's trace context
   * when it has one (tracing on, sampled).
   */
  private appendStatement(batch: Pick<Pending, 'request' | 'trace'>[], candidates: number[]): pg.QueryConfig {
    const ev = {
      id: [] as string[],
      stream: [] as string[],
      type: [] as string[],
      version: [] as number[],
      etype: [] as string[],
      schema: [] as number[],
      data: [] as string[],
      meta: [] as string[],
    };
    // payload null: the internal message of the event `gate`, built from its row.
    const ob = {
      topic: [] as string[],
      key: [] as string[],
      eventId: [] as string[],
      headers: [] as string[],
      payload: [] as (string | null)[],
      gate: [] as string[],
    };
    const sn = {
      stream: [] as string[],
      version: [] as number[],
      schema: [] as number[],
      state: [] as string[],
      gate: [] as string[],
    };
    const outboxRow = (
      m: Omit<OutboxMessage, 'payload'>,
      payload: string | null,
      gate: string,
      trace?: TraceHeaders,
    ) => {
      ob.topic.push(m.topic);
      ob.key.push(m.key);
      ob.eventId.push(m.eventId);
      ob.headers.push(JSON.stringify(trace ? withTraceHeaders(m.headers, trace) : m.headers));
      ob.payload.push(payload);
      ob.gate.push(gate);
    };
    for (const i of candidates) {
      const { request: r, trace } = batch[i];
      r.events.forEach((e, n) => {
        ev.id.push(e.eventId);
        ev.stream.push(r.streamId);
        ev.type.push(r.streamType);
        ev.version.push(r.expectedVersion + n + 1);
        ev.etype.push(e.type);
        ev.schema.push(e.schemaVersion);
        ev.data.push(JSON.stringify(e.data));
        ev.meta.push(JSON.stringify(e.metadata));
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'event-id': e.eventId,
          'event-type': e.type,
          'correlation-id': e.metadata.correlationId,
        };
        outboxRow(
          { topic: this.options.internalTopic, key: r.streamId, eventId: e.eventId, headers },
          null,
          e.eventId,
          trace,
        );
      });
      // The caller's messages and the snapshot go with the append's first event: all or nothing.
      const gate = r.events[0].eventId;
      for (const m of r.outbox ?? []) outboxRow(m, JSON.stringify(m.payload), gate, trace);
      if (r.snapshot) {
        sn.stream.push(r.streamId);
        sn.version.push(r.snapshot.version);
        sn.schema.push(r.snapshot.schemaVersion);
        sn.state.push(JSON.stringify(r.snapshot.state));
        sn.gate.push(gate);
      }
    }
    return {
      name: 'es_append',
      text: APPEND_SQL,
      values: [
        ev.id,
        ev.stream,
        ev.type,
        ev.version,
        ev.etype,
        ev.schema,
        ev.data,
        ev.meta,
        ob.topic,
        ob.key,
        ob.eventId,
        ob.headers,
        ob.payload,
        ob.gate,
        sn.stream,
        sn.version,
        sn.schema,
        sn.state,
        sn.gate,
      ],
    };
  }

  // ----------------------------------------------------------------- reads

  /** Events of one stream after `afterVersion`, in version order, upcast to current shapes. */
  async readStream(streamId: string, afterVersion = 0): Promise<StoredEvent[]> {
    const { rows } = await this.read<EventRow>({
      name: 'es_read_stream',
      text: `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND version > $2 ORDER BY version`,
      values: [streamId, afterVersion],
    });
    return rows.map((row) => this.toStoredEvent(row));
  }

  /**
   * What an aggregate needs to rebuild its state: the newest snapshot of the
   * given schema version (a snapshot of another schema is ignored) and the
   * events after it.
   */
  async loadStream(
    streamId: string,
    snapshotSchemaVersion?: number,
  ): Promise<{ snapshot?: SnapshotRecord; events: StoredEvent[] }> {
    let snapshot: SnapshotRecord | undefined;
    if (snapshotSchemaVersion !== undefined) {
      const { rows } = await this.read<{
        version: string;
        schema_version: number;
        state: Record<string, unknown>;
      }>({
        name: 'es_load_snapshot',
        text: 'SELECT version, schema_version, state FROM snapshots WHERE stream_id = $1 AND schema_version = $2',
        values: [streamId, snapshotSchemaVersion],
      });
      if (rows[0])
        snapshot = {
          version: Number(rows[0].version),
          schemaVersion: rows[0].schema_version,
          state: rows[0].state,
        };
    }
    const events = await this.readStream(streamId, snapshot?.version ?? 0);
    return { snapshot, events };
  }

  /**
   * Folds a stream into a state without holding it in memory: the newest
   * snapshot of `snapshotSchemaVersion` (if any), then the later events in
   * pages, reading only what a fold needs (version, type, schema, data),
   * upcast on the way. The cheap path for loading an aggregate.
   */
  async foldStream<S>(streamId: string, folder: StreamFolder<S>, snapshotSchemaVersion?: number): Promise<S> {
    let state = folder.initial();
    let after = 0;
    if (snapshotSchemaVersion !== undefined) {
      const { rows } = await this.read<{ version: string; state: Record<string, unknown> }>({
        name: 'es_load_snapshot',
        text: 'SELECT version, schema_version, state FROM snapshots WHERE stream_id = $1 AND schema_version = $2',
        values: [streamId, snapshotSchemaVersion],
      });
      if (rows[0]) {
        after = Number(rows[0].version);
        state = folder.fromSnapshot(rows[0].state, after);
      }
    }
    for (;;) {
      const { rows } = await this.read<[string, string, number, Record<string, unknown>]>({
        name: 'es_fold_page',
        text: `SELECT version, type, schema_version, data FROM events
                WHERE stream_id = $1 AND version > $2 ORDER BY version LIMIT $3`,
        values: [streamId, after, FOLD_PAGE_SIZE],
        rowMode: 'array',
      } as pg.QueryConfig);
      for (const [version, type, schemaVersion, data] of rows) {
        const current = this.upcasters.upcast(type, schemaVersion, data, streamId);
        state = folder.apply(state, { type, data: current.data, version: Number(version) });
      }
      if (rows.length < FOLD_PAGE_SIZE) return state;
      after = Number(rows[rows.length - 1][0]);
    }
  }

  /** The stream's current version (0 when it has no events). */
  async streamVersion(streamId: string): Promise<number> {
    const { rows } = await this.read<{ v: string | null }>({
      name: 'es_stream_version',
      text: 'SELECT max(version) AS v FROM events WHERE stream_id = $1',
      values: [streamId],
    });
    return Number(rows[0]?.v ?? 0);
  }

  /** When the newest event of this stream type was recorded (null when there is none): a freshness probe. */
  async newestRecordedAt(streamType: string): Promise<Date | null> {
    // One backward step along the events' primary key (global_position).
    const { rows } = await this.read<{ recorded_at: Date }>({
      name: 'es_newest_recorded_at',
      text: 'SELECT recorded_at FROM events WHERE stream_type = $1 ORDER BY global_position DESC LIMIT 1',
      values: [streamType],
    });
    return rows[0]?.recorded_at ?? null;
  }

  /**
   * Events after `checkpoint` in the gap-safe global order. Only transactions
   * older than every still-running one (below the snapshot's xmin) are read,
   * ordered by (transaction id, position): an event that commits late with a
   * lower position is read later, never skipped.
   */
  async readAll(
    checkpoint: GlobalCheckpoint,
    limit: number,
  ): Promise<{ events: StoredEvent[]; checkpoint: GlobalCheckpoint }> {
    const { rows } = await this.read<EventRow>({
      name: 'es_read_all',
      text: `SELECT ${EVENT_COLUMNS} FROM events
              WHERE (tx_id, global_position) > ($1::xid8, $2::bigint)
                AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
              ORDER BY tx_id, global_position
              LIMIT $3`,
      values: [checkpoint.txId, checkpoint.position.toString(), limit],
    });
    const events = rows.map((row) => this.toStoredEvent(row));
    const last = events.at(-1);
    return { events, checkpoint: last ? { txId: last.txId, position: last.globalPosition } : checkpoint };
  }

  async findIdempotencyRecord(scope: string, key: string): Promise<IdempotencyRecord | undefined> {
    const { rows } = await this.read<{ request_hash: string; status_code: number; response: unknown }>({
      name: 'es_find_idempotency',
      text: 'SELECT request_hash, status_code, response FROM idempotency_keys WHERE scope = $1 AND idem_key = $2',
      values: [scope, key],
    });
    const row = rows[0];
    return row
      ? { scope, key, requestHash: row.request_hash, statusCode: row.status_code, response: row.response }
      : undefined;
  }

  /** Deletes idempotency records older than `olderThanHours`; returns how many. */
  async purgeIdempotencyRecords(olderThanHours: number, batchSize = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      const { rowCount } = await this.pool.query(
        `DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
           SELECT ctid FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1) LIMIT $2))`,
        [olderThanHours, batchSize],
      );
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < batchSize) return total;
    }
  }

  /**
   * Runs `work` while this process holds an exclusive session lock on the
   * stream, across every process sharing the database: a process manager
   * advancing one transfer, say, never races another replica doing the same.
   * Waits up to `timeoutMs` for the lock. The lock lives on a dedicated
   * connection; if that connection is lost, the lock is gone and `signal`
   * aborts — `work` must check it before each side effect.
   */
  async withStreamLock<T>(
    streamId: string,
    work: (signal: AbortSignal) => Promise<T>,
    timeoutMs = 30_000,
  ): Promise<T> {
    const client = await this.pool.connect();
    const health = watch(client);
    const lost = new AbortController();
    const onError = (err: Error) => lost.abort(err);
    client.on('error', onError);
    const key = `stream-lock:${streamId}`;
    try {
      await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
      await client.query({
        name: 'es_stream_lock',
        text: 'SELECT pg_advisory_lock(hashtextextended($1, 0))',
        values: [key],
      });
      try {
        return await work(lost.signal);
      } finally {
        await client
          .query({
            name: 'es_stream_unlock',
            text: 'SELECT pg_advisory_unlock(hashtextextended($1, 0))',
            values: [key],
          })
          .catch(() => (health.broken = true));
      }
    } catch (err) {
      health.broken = true;
      throw err;
    } finally {
      client.off('error', onError);
      if (!health.broken) await client.query('RESET lock_timeout').catch(() => (health.broken = true));
      client.release(health.broken);
    }
  }

  private toStoredEvent(row: EventRow): StoredEvent {
    const { schemaVersion, data } = this.upcasters.upcast(
      row.type,
      row.schema_version,
      row.data,
      row.stream_id,
    );
    return {
      eventId: row.event_id,
      streamId: row.stream_id,
      streamType: row.stream_type,
      version: Number(row.version),
      globalPosition: BigInt(row.global_position),
      type: row.type,
      schemaVersion,
      data,
      metadata: row.metadata,
      recordedAt: row.recorded_at,
      txId: row.tx_id,
    };
  }
}

/**
 * A message's headers with the trace context (`traceparent`, `tracestate`). A
 * CloudEvent in Kafka binary mode (it has `ce_specversion`) carries it as its
 * distributed-tracing extension: `ce_traceparent`, `ce_tracestate`.
 */
function withTraceHeaders(headers: Record<string, string>, trace: TraceHeaders): Record<string, string> {
  const prefix = 'ce_specversion' in headers ? CLOUD_EVENTS_TRACE_PREFIX : '';
  const out = { ...headers };
  for (const [name, value] of Object.entries(trace)) out[prefix + name] = value;
  return out;
}

function settle(p: Pending, outcome: Outcome): void {
  if ('ok' in outcome) p.resolve(outcome.ok);
  else p.reject(outcome.error);
}

function idemKey(r: IdempotencyRecord): string {
  return `${r.scope}\u0000${r.key}`;
}

const CONNECT_ATTEMPTS = 3;
/** Events per page when folding a stream: bounded memory for a stream of any length. */
const FOLD_PAGE_SIZE = 10_000;

interface ConnectionHealth {
  broken: boolean;
}
const connectionHealth = new WeakMap<pg.PoolClient, ConnectionHealth>();

/**
 * A connection killed while checked out emits 'error' between queries (and
 * possibly after it was released): one listener per connection, attached for
 * its lifetime, records it so the client is discarded instead of reused.
 */
function watch(client: pg.PoolClient): ConnectionHealth {
  let health = connectionHealth.get(client);
  if (!health) {
    const created: ConnectionHealth = { broken: false };
    client.on('error', () => {
      created.broken = true;
    });
    connectionHealth.set(client, created);
    health = created;
  }
  health.broken = false;
  return health;
}

/** pg errors meaning the connection (not the statement) failed. */
function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    (code.startsWith('08') || code === '57P01' || code === 'ECONNRESET' || code === 'EPIPE')
  ) {
    return true;
  }
  return /Connection terminated|connection is not open|Client has encountered a connection error/i.test(
    err.message,
  );
}

/**
 * Whether an append is ONE statement's work: no idempotency record (written
 * first, so a duplicate in flight waits for it), no erasure, and one event —
 * an append that a single row makes all or nothing.
 */
function oneStatementSuffices(r: AppendRequest): boolean {
  return r.idempotency === undefined && r.erasePersonalDataOf === undefined && r.events.length === 1;
}

/**
 * Fills in the outcome of each of `candidates` (indexes into `requests`)
 * from the event rows the append statement wrote: all of an append's events
 * written is success, none a lost race. Returns the successful ones.
 */
function settleAppends(
  requests: AppendRequest[],
  candidates: number[],
  written: EventRow[],
  outcomes: (Outcome | undefined)[],
): number[] {
  const byVersion = new Map(written.map((row) => [`${row.stream_id}@${row.version}`, row]));
  const succeeded: number[] = [];
  for (const i of candidates) {
    const r = requests[i];
    const rows = r.events
      .map((_, n) => byVersion.get(`${r.streamId}@${r.expectedVersion + n + 1}`))
      .filter(
        (row): row is EventRow => row !== undefined && r.events.some((e) => e.eventId === row.event_id),
      );
    if (rows.length === r.events.length) {
      succeeded.push(i);
      outcomes[i] = {
        ok: {
          streamId: r.streamId,
          version: r.expectedVersion + r.events.length,
          globalPositions: rows.map((w) => BigInt(w.global_position)),
        },
      };
    } else if (rows.length === 0) {
      outcomes[i] = { error: new ConcurrencyError(r.streamId, r.expectedVersion) };
    } else {
      // Cannot happen with gap-free versions; never commit half an append.
      throw new Error(`partial append to ${r.streamId}`);
    }
  }
  return succeeded;
}

/**
 * The server ended the session (57P01 admin shutdown, 57P02 crash shutdown,
 * 57P03 not accepting connections yet) or the pool could not connect: a
 * statement on it did not start, or died with it.
 */
function isSessionEnded(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '57P01' || code === '57P02' || code === '57P03' || code === 'ECONNREFUSED';
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
