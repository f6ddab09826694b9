import pg from 'pg';

/** A committed, not yet published outbox row, ready for Kafka. */
export interface PendingOutboxMessage {
  /** The row's id (bigint as a decimal string): what `remove` takes. */
  id: string;
  topic: string;
  key: string;
  headers: Record<string, string>;
  /** The payload as JSON text, sent as is. */
  value: string;
}

/**
 * One read of the outbox: its rows, and where the next read may start.
 *
 * Deleted outbox rows stay in the table's index until VACUUM removes them,
 * and a read that starts at the oldest entry steps over every one of them —
 * a cost that grows with the rows published since the last vacuum (or for as
 * long as autovacuum is off, or held back by a long transaction). A read
 * instead starts at `from`, a transaction id below which nothing is left
 * that an earlier read neither returned nor left out.
 */
export interface OutboxRead {
  rows: PendingOutboxMessage[];
  /**
   * The next read's `from`: the oldest transaction still running when this
   * read took its snapshot (any row committed later has a higher tx_id), or
   * the tx_id of the last row returned when `limit` cut the read short. Good
   * while the rows returned and left out are published and deleted; after a
   * failure, read from the start ('0') again.
   */
  next: string;
}

/** Where a first read, or one after a failure, starts: the oldest row there is. */
export const OUTBOX_START = '0';

export interface OutboxStats {
  /** Rows committed and not yet published. */
  backlog: number;
  /** Age of the oldest unpublished row, 0 when none. */
  oldestSeconds: number;
  /**
   * Age of the oldest transaction still open in this database. Rows it
   * writes become visible, and are published, only when it commits.
   */
  oldestOpenTransactionSeconds: number;
}

/**
 * The right to publish the outbox: a session-level advisory lock held by a
 * dedicated connection. Postgres releases it the moment that connection
 * ends — a crashed or killed leader is replaced without waiting for a
 * timeout — and the connection also LISTENs for new outbox rows.
 */
export interface OutboxLease {
  /** False once the leader's connection failed: a deposed leader must stop publishing. */
  readonly held: boolean;
  /** Asks the server whether this session is still alive (and so still holds the lock). */
  confirm(): Promise<boolean>;
  /**
   * Deletes published rows and reads the oldest `limit` after them, on the
   * lease's own session — so its answer also confirms the lease, as
   * `confirm` does. Undefined when the lease is lost (nothing was deleted
   * then, or the deletion died with the session).
   */
  settle(published: readonly string[], limit: number, from: string): Promise<OutboxRead | undefined>;
  /**
   * Outbox notifications received so far: a reader that notes this before
   * it reads the outbox knows, by comparing later, whether rows may have
   * committed since its snapshot.
   */
  readonly notifications: number;
  /**
   * Resolves at once when a notification arrived after `notifications` was
   * `since`; otherwise on the next notification, after `timeoutMs`, or when
   * the lease is lost.
   */
  waitForRows(timeoutMs: number, since?: number): Promise<void>;
  /** Ends a pending `waitForRows` now (shutdown). */
  wake(): void;
  release(): Promise<void>;
}

/** The advisory lock key that elects the one publishing relay (an arbitrary constant). */
const RELAY_LOCK_KEY = 73_604_211;
const NOTIFY_CHANNEL = 'outbox_appended';

/**
 * Outbox reads and deletes for the relay — the outbox's SQL lives here, in
 * the lib that owns the table.
 *
 * Publishing is "read the oldest committed rows, send them, delete them":
 * the table holds exactly the unpublished rows, so no cursor exists that a
 * late-committing transaction with a lower id could slip under — a row is
 * published whenever it becomes visible. Rows come in (transaction id, id)
 * order: a transaction's rows in insertion order, and two transactions
 * writing the same stream in commit order (the second had to see the first
 * to pass the `UNIQUE(stream_id, version)` guard), so per-key order is event
 * order.
 */
export class OutboxStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly connectionString: string,
    private readonly applicationName = 'outbox-relay',
    /** The lease session's options (the pool's: its DB_ROLE), for it reads and deletes rows too. */
    private readonly sessionOptions?: string,
  ) {}

  /**
   * The oldest `limit` committed rows in (tx_id, id) order, leaving out
   * `inFlight` (the rows of the batch being sent: still in the table until
   * Kafka acknowledged them). Never a cursor: a row that committed late
   * ahead of them is in the result.
   */
  async fetch(
    limit: number,
    { inFlight = [], from = OUTBOX_START }: { inFlight?: readonly string[]; from?: string } = {},
  ): Promise<OutboxRead> {
    return this.removeAndFetch([], limit, { inFlight, from });
  }

  /**
   * Deletes published rows (call only after Kafka acknowledged every one of
   * them) and reads the oldest `limit` others, leaving out `inFlight`, in
   * one statement: one round trip where a delete and a read would take two.
   */
  async removeAndFetch(
    published: readonly string[],
    limit: number,
    { inFlight = [], from = OUTBOX_START }: { inFlight?: readonly string[]; from?: string } = {},
  ): Promise<OutboxRead> {
    return readOf(await this.pool.query(removeAndFetchQuery(published, limit, inFlight, from)), limit, from);
  }

  async stats(): Promise<OutboxStats> {
    const { rows } = await this.pool.query<{
      backlog: string;
      oldest: number | null;
      open_tx: number | null;
    }>({
      name: 'outbox_stats',
      text: `SELECT (SELECT count(*) FROM outbox) AS backlog,
                    (SELECT extract(epoch FROM now() - min(created_at))::float8 FROM outbox) AS oldest,
                    (SELECT extract(epoch FROM now() - min(xact_start))::float8
                       FROM pg_stat_activity
                      WHERE datname = current_database() AND backend_xid IS NOT NULL
                        AND pid <> pg_backend_pid()) AS open_tx`,
    });
    const row = rows[0];
    return {
      backlog: Number(row.backlog),
      oldestSeconds: Math.max(0, row.oldest ?? 0),
      oldestOpenTransactionSeconds: Math.max(0, row.open_tx ?? 0),
    };
  }

  /** Tries to become the publishing relay; undefined when another relay holds the lease. */
  async tryLease(): Promise<OutboxLease | undefined> {
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: `${this.applicationName}:leader`,
      options: this.sessionOptions || undefined,
      keepAlive: true,
      connectionTimeoutMillis: 3000,
    });
    let held = true;
    let wake: (() => void) | undefined;
    const lose = () => {
      held = false;
      wake?.();
    };
    client.on('error', lose);
    client.on('end', lose);
    let notifications = 0;
    client.on('notification', () => {
      notifications += 1;
      wake?.();
    });
    try {
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
        RELAY_LOCK_KEY,
      ]);
      if (!rows[0].locked) {
        await client.end().catch(() => undefined);
        return undefined;
      }
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    return {
      get held() {
        return held;
      },
      async confirm() {
        if (!held) return false;
        try {
          await client.query('SELECT 1');
          return held;
        } catch {
          lose();
          return false;
        }
      },
      async settle(published, limit, from) {
        if (!held) return undefined;
        let result: pg.QueryResult<OutboxRow>;
        try {
          result = await client.query(removeAndFetchQuery(published, limit, [], from));
        } catch (err) {
          if (!held) return undefined;
          throw err;
        }
        return held ? readOf(result, limit, from) : undefined;
      },
      get notifications() {
        return notifications;
      },
      waitForRows(timeoutMs, since) {
        if (!held || (since !== undefined && notifications !== since)) return Promise.resolve();
        return new Promise<void>((resolve) => {
          const timer = setTimeout(done, timeoutMs);
          function done() {
            clearTimeout(timer);
            wake = undefined;
            resolve();
          }
          wake = done;
        });
      },
      wake() {
        wake?.();
      },
      async release() {
        held = false;
        wake?.();
        // Ending the session releases the advisory lock.
        await client.end().catch(() => undefined);
      },
    };
  }
}

type OutboxRow = [
  id: string,
  topic: string,
  key: string,
  headers: Record<string, string>,
  value: string,
  txId: string,
  snapshotXmin: string,
];

/**
 * Deletes `published` and reads the oldest `limit` rows in (tx_id, id)
 * order from transaction `from` on, other than `inFlight`. The read runs on
 * the statement's snapshot, which still holds the rows the same statement
 * deletes: they are left out by id. Only what Kafka gets, as arrays (the
 * relay's CPU is its bottleneck), with each row's tx_id and the snapshot's
 * xmin for the next read's start.
 */
function removeAndFetchQuery(
  published: readonly string[],
  limit: number,
  inFlight: readonly string[],
  from: string,
): pg.QueryArrayConfig {
  // Named apart from tx_id: ORDER BY tx_id would otherwise sort by this text.
  const columns = `id, topic, message_key, headers, payload::text, tx_id::text AS tx,
                   (SELECT pg_snapshot_xmin(pg_current_snapshot()))::text AS snapshot_xmin`;
  if (published.length === 0) {
    return {
      name: 'outbox_fetch',
      // NOT IN (subquery): a hashed look-up per row, whatever the plan.
      text: `SELECT ${columns}
               FROM outbox
              WHERE tx_id >= $3::xid8 AND id NOT IN (SELECT unnest($2::bigint[]))
              ORDER BY tx_id, id LIMIT $1`,
      values: [limit, inFlight, from],
      rowMode: 'array',
    };
  }
  return {
    name: 'outbox_remove_fetch',
    // A data-modifying WITH runs to completion whether or not its output is read.
    text: `WITH removed AS (DELETE FROM outbox WHERE id = ANY($3::bigint[]))
           SELECT ${columns}
             FROM outbox
            WHERE tx_id >= $4::xid8 AND id NOT IN (SELECT unnest($2::bigint[] || $3::bigint[]))
            ORDER BY tx_id, id LIMIT $1`,
    values: [limit, inFlight, published, from],
    rowMode: 'array',
  };
}

function readOf(result: pg.QueryResult<OutboxRow>, limit: number, from: string): OutboxRead {
  const rows = result.rows;
  // No row, no snapshot seen: the next read starts where this one did.
  if (rows.length === 0) return { rows: [], next: from };
  const xmin = rows[0][6];
  const last = rows[rows.length - 1][5];
  return {
    rows: rows.map(([id, topic, key, headers, value]) => ({ id, topic, key, headers, value })),
    next: rows.length >= limit && BigInt(last) < BigInt(xmin) ? last : xmin,
  };
}
