import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  GlobalCheckpoint,
  PersonalDataVault,
  PostgresEventStore,
  StoredEvent,
  UpcasterRegistry,
} from '@cqrs-bank/event-store';
import type pg from 'pg';
import { fromStoredEvent } from '../ledger/ledger-event.js';
import { notifyProjection } from '../projections/projection-notice.js';
import { ident, shadowTable } from '../projections/read-model-tables.js';
import {
  describeCheckpoint,
  RebuildJournal,
  type RebuildProgress,
  type RebuildRecord,
} from './rebuild-journal.js';
import { groupsOf, REBUILD_LOCK_CLASS, type ReadModelGroup, type RebuildTarget } from './rebuild-targets.js';
import { ShadowTables } from './shadow-tables.js';
import { shadowWriter, type ShadowWriter } from './shadow-writers.js';

export interface RebuildOptions {
  /** The projection asked for; its whole group is rebuilt (see ACCOUNT_READ_MODELS), every group for `all`. */
  target: RebuildTarget;
  /** Discard a RUNNING rebuild's shadow tables and start from the beginning of the log (each group's). */
  restart?: boolean;
  /** Events per read of the event store and per shadow transaction. */
  batchSize?: number;
  /** Stops the replay after the batch in hand; the rebuild stays resumable. Not checked during the swap. */
  signal?: AbortSignal;
  /** Called once a group's rebuild has its journal row: a new one, or the interrupted one it resumes. */
  onStart?: (start: { group: ReadModelGroup; rebuildId: string; resumed: boolean } & RebuildProgress) => void;
  onProgress?: (progress: RebuildProgressReport) => void;
  /** Longest wait for the live tables' lock per swap attempt; queries queue behind the wait. */
  lockTimeoutMs?: number;
  swapAttempts?: number;
  /** Longest wait, under the lock, for transactions older than the lock to end (see swap()). */
  settleTimeoutMs?: number;
}

export interface RebuildProgressReport extends RebuildProgress {
  group: ReadModelGroup['key'];
  rebuildId: string;
  phase: 'replay' | 'swap';
}

/** One group's rebuild. */
export interface RebuildResult extends RebuildProgress {
  group: ReadModelGroup['key'];
  rebuildId: string;
  projections: readonly string[];
  /** Whether an interrupted rebuild was continued from its checkpoint. */
  resumed: boolean;
  /** Events read by this run (a resumed one did not read the earlier ones again). */
  eventsReadThisRun: number;
  /** Seconds this run took, swap included. */
  seconds: number;
  swap: SwapReport;
  /** False when the swapped-out tables (`…__old`) are still there, for the next rebuild to drop. */
  oldTablesDropped: boolean;
  /** Seconds per phase: prepare (lock, shadow tables), replay, indexes (+ ANALYZE), swap (catch-ups, lock, drop). */
  phases: { prepare: number; replay: number; indexes: number; swap: number };
}

export interface SwapReport {
  attempts: number;
  /** From the lock granted to COMMIT: how long the projector and queries waited for the swap. */
  lockedMs: number;
  /** Events applied under the lock (the last ones since the shadow's checkpoint). */
  caughtUp: number;
  /** Whether every transaction older than the lock ended in time (else the guard tables were compared). */
  settled: boolean;
  /** Streams (accounts, transfers) whose live guard row was ahead of the shadow, caught up from their streams. */
  patchedStreams: number;
}

/** A rebuild that cannot start or go on, for a reason the operator can act on. */
export class RebuildError extends Error {
  override readonly name = 'RebuildError';
}

/** The replay was stopped on request; running the rebuild again resumes it. */
export class RebuildInterrupted extends Error {
  override readonly name = 'RebuildInterrupted';
}

interface Page {
  events: StoredEvent[];
  checkpoint: GlobalCheckpoint;
}

const DEFAULTS = {
  batchSize: 20_000,
  lockTimeoutMs: 500,
  swapAttempts: 20,
  settleTimeoutMs: 100,
};
/** The replay counts as caught up to live once a read returns fewer events than this. */
const AT_HEAD_BELOW = 1_000;
/** Streams read from the event store at once when live rows are ahead of the shadow. */
const PATCH_CONCURRENCY = 8;

/**
 * Rebuilds groups of read models from the event store without downtime
 * (SPEC §10): replays `readAll` from the start of the log into shadow tables
 * with the projector's own projection code, in big batches, each committed
 * with the rebuild's checkpoint; catches up to live; then, in ONE
 * transaction, locks the live tables, applies the last events, and renames
 * the shadow tables into place. The live projector keeps running throughout:
 * after the swap it meets events the new tables already reflect and skips
 * them by their version. Every group has its own guard, journal row, lock
 * and swap; `all` rebuilds them one after the other.
 */
export class ProjectionRebuilder {
  private readonly journal = new RebuildJournal();

  constructor(
    private readonly pool: pg.Pool,
    private readonly store: PostgresEventStore,
    private readonly upcasters: UpcasterRegistry,
    private readonly vault: PersonalDataVault,
  ) {}

  /** Rebuilds every group `options.target` names, one after the other; one result per group. */
  async rebuild(options: RebuildOptions): Promise<RebuildResult[]> {
    const groups = groupsOf(options.target);
    const opts: Options = {
      ...options,
      batchSize: options.batchSize ?? DEFAULTS.batchSize,
      lockTimeoutMs: options.lockTimeoutMs ?? DEFAULTS.lockTimeoutMs,
      swapAttempts: options.swapAttempts ?? DEFAULTS.swapAttempts,
      settleTimeoutMs: options.settleTimeoutMs ?? DEFAULTS.settleTimeoutMs,
    };
    // One connection holds the groups' rebuild locks for as long as this runs:
    // Postgres releases them the moment the process dies. Another one writes.
    const session = await connect(this.pool);
    let work: pg.PoolClient | undefined;
    try {
      // Every lock first: `all` refuses before it rebuilds anything, not halfway.
      for (const group of groups) {
        const { rows } = await session.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [
          REBUILD_LOCK_CLASS,
          group.lockKey,
        ]);
        if (!rows[0].ok) {
          const other = await this.journal.running(session, group);
          throw new RebuildError(
            `a rebuild of ${group.projections.join(', ')} is already running` +
              (other ? ` (#${other.id}, started ${other.startedAt.toISOString()})` : ''),
          );
        }
      }
      work = await connect(this.pool);
      const results: RebuildResult[] = [];
      for (const group of groups) results.push(await this.rebuildGroup(session, work, group, opts));
      return results;
    } finally {
      await session.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      session.release();
      work?.release();
    }
  }

  /** One group, under its lock (held by `session`): prepare or resume, replay, indexes, swap. */
  private async rebuildGroup(
    session: pg.PoolClient,
    writer: pg.PoolClient,
    group: ReadModelGroup,
    opts: Options,
  ): Promise<RebuildResult> {
    const startedAt = performance.now();
    let run: RebuildRecord | undefined;
    try {
      const shadow = new ShadowTables(group);
      await shadow.dropOld(session);

      run = await this.journal.running(session, group);
      const resumed = !!run && !opts.restart && (await shadow.exist(session));
      if (!resumed) run = await this.begin(writer, group, shadow, opts, run);
      const progress: RebuildProgress = {
        checkpoint: run!.checkpoint,
        eventsRead: run!.eventsRead,
        eventsApplied: run!.eventsApplied,
      };
      const readBefore = progress.eventsRead;
      opts.onStart?.({ group, rebuildId: run!.id, resumed, ...progress });
      const ctx: Context = {
        group,
        writer: shadowWriter(group, { store: this.store, upcasters: this.upcasters, vault: this.vault }),
        runId: run!.id,
        opts,
      };

      const replayFrom = performance.now();
      await this.replay(writer, ctx, progress);
      const indexesFrom = performance.now();
      await inTransaction(writer, async () => {
        await writer.query("SET LOCAL maintenance_work_mem = '256MB'");
        await shadow.buildIndexes(writer);
      });
      await shadow.analyze(writer);
      const swapFrom = performance.now();
      const swap = await this.swap(writer, ctx, shadow, progress);
      const oldTablesDropped = await this.dropAfterSwap(session, shadow);
      return {
        phases: {
          prepare: (replayFrom - startedAt) / 1000,
          replay: (indexesFrom - replayFrom) / 1000,
          indexes: (swapFrom - indexesFrom) / 1000,
          swap: (performance.now() - swapFrom) / 1000,
        },
        oldTablesDropped,
        group: group.key,
        rebuildId: run!.id,
        projections: group.projections,
        resumed,
        ...progress,
        eventsReadThisRun: progress.eventsRead - readBefore,
        seconds: (performance.now() - startedAt) / 1000,
        swap,
      };
    } catch (err) {
      if (run && !(err instanceof RebuildError)) {
        const message = err instanceof Error ? err.message : String(err);
        await this.journal.recordError(session, run.id, message).catch(() => undefined);
      }
      throw err;
    }
  }

  /** A new rebuild: fresh shadow tables and its journal row (replacing an interrupted one), in one transaction. */
  private async begin(
    work: pg.PoolClient,
    group: ReadModelGroup,
    shadow: ShadowTables,
    options: RebuildOptions,
    previous: RebuildRecord | undefined,
  ): Promise<RebuildRecord> {
    return inTransaction(work, async () => {
      if (previous) {
        await this.journal.abandon(
          work,
          previous.id,
          options.restart ? 'restarted' : 'its shadow tables were missing; started again',
        );
      }
      await shadow.create(work);
      return this.journal.start(work, group, options.target);
    });
  }

  /**
   * Replays the event store into the shadow tables from their checkpoint
   * until a read comes back nearly empty (nothing, when no commands flow).
   * The next page is read while the current one is written.
   */
  private async replay(work: pg.PoolClient, ctx: Context, progress: RebuildProgress): Promise<void> {
    const { batchSize } = ctx.opts;
    const atHeadBelow = Math.min(AT_HEAD_BELOW, batchSize);
    let pending = this.read(progress.checkpoint, batchSize);
    for (;;) {
      const page = await pending;
      if (page.events.length === 0) return;
      const atHead = page.events.length < atHeadBelow;
      if (!atHead) pending = this.read(page.checkpoint, batchSize);
      const next = await inTransaction(work, () => this.applyPage(work, ctx, progress, page));
      Object.assign(progress, next);
      ctx.opts.onProgress?.({ group: ctx.group.key, rebuildId: ctx.runId, phase: 'replay', ...progress });
      if (atHead) return;
      if (ctx.opts.signal?.aborted) {
        throw new RebuildInterrupted(
          `rebuild #${ctx.runId} stopped at ${describeCheckpoint(progress.checkpoint)} after ${progress.eventsRead} events`,
        );
      }
    }
  }

  /** Applies a page to the shadow tables and records the checkpoint, inside the caller's transaction. */
  private async applyPage(
    client: pg.PoolClient,
    ctx: Context,
    progress: RebuildProgress,
    page: Page,
  ): Promise<RebuildProgress> {
    const applied = await this.applyEvents(client, ctx, page.events);
    const next: RebuildProgress = {
      checkpoint: page.checkpoint,
      eventsRead: progress.eventsRead + page.events.length,
      eventsApplied: progress.eventsApplied + applied,
    };
    await this.journal.advance(client, ctx.runId, next);
    return next;
  }

  /** The group's events among `events`, applied to its shadow tables; how many changed them. */
  private async applyEvents(client: pg.PoolClient, ctx: Context, events: StoredEvent[]): Promise<number> {
    const { streamTypes } = ctx.writer;
    const ours = events.filter((e) => streamTypes.includes(e.streamType));
    if (ours.length === 0) return 0;
    return ctx.writer.apply(
      client,
      ours.map((e) => fromStoredEvent(e, this.upcasters)),
    );
  }

  /**
   * The swap, in ONE transaction: lock the live tables (ACCESS EXCLUSIVE —
   * the projector and queries wait, for milliseconds), apply the events since
   * the shadow's checkpoint, rename. The shadow must then reflect at least
   * every event the live projector has applied: the projector has moved its
   * offsets past those and will not see them again. It applied only events
   * committed before the lock, so once every transaction older than the lock
   * has ended, `readAll` (which reads below the oldest running transaction)
   * returns all of them. If one lingers beyond `settleTimeoutMs`, every live
   * guard row ahead of its shadow row is caught up from its stream instead.
   */
  private async swap(
    work: pg.PoolClient,
    ctx: Context,
    shadow: ShadowTables,
    progress: RebuildProgress,
  ): Promise<SwapReport> {
    const { lockTimeoutMs, swapAttempts, settleTimeoutMs, batchSize } = ctx.opts;
    for (let attempt = 1; ; attempt += 1) {
      let state = { ...progress };
      try {
        const report = await inTransaction(work, async () => {
          await work.query(`SET LOCAL lock_timeout = ${Math.round(lockTimeoutMs)}`);
          await shadow.lockLive(work);
          const lockedAt = performance.now();
          const settled = await this.olderTransactionsEnded(work, settleTimeoutMs);
          let caughtUp = 0;
          for (;;) {
            const page = await this.read(state.checkpoint, batchSize);
            if (page.events.length === 0) break;
            const next = await this.applyPage(work, ctx, state, page);
            caughtUp += next.eventsApplied - state.eventsApplied;
            state = next;
            if (page.events.length < batchSize) break;
          }
          let patchedStreams = 0;
          if (!settled) {
            const patch = await this.catchUpStreamsAhead(work, ctx);
            patchedStreams = patch.streams;
            state = { ...state, eventsApplied: state.eventsApplied + patch.events };
            await this.journal.advance(work, ctx.runId, state);
          }
          await ctx.writer.beforeSwap(work);
          await shadow.swap(work);
          await this.journal.finish(work, ctx.runId, state);
          await notifyProjection(work, ctx.writer.swapNotices);
          return { lockedAt, settled, caughtUp, patchedStreams };
        });
        Object.assign(progress, state);
        ctx.opts.onProgress?.({ group: ctx.group.key, rebuildId: ctx.runId, phase: 'swap', ...progress });
        return {
          attempts: attempt,
          lockedMs: performance.now() - report.lockedAt,
          caughtUp: report.caughtUp,
          settled: report.settled,
          patchedStreams: report.patchedStreams,
        };
      } catch (err) {
        if (!isLockWaitFailure(err) || attempt >= swapAttempts) throw err;
        // Someone held the live tables (a long query): the shadow keeps up meanwhile, then try again.
        await sleep(Math.min(50 * attempt, 1000));
        await this.replay(work, ctx, progress);
      }
    }
  }

  /**
   * Waits until every transaction that was running when the lock was granted
   * has ended: then a snapshot's xmin is past them all and `readAll` sees
   * everything committed before the lock. Our own transaction has no
   * transaction id yet (a lock does not assign one), so it does not count.
   * Gives up at once when a writing transaction has been open longer than
   * the whole wait already: it is not about to end (a long job, maybe in
   * another database — transaction ids are cluster-wide); and when one of
   * the transactions it waits for waits for a lock this transaction holds: it
   * cannot end before the swap does (a live projector batch that wrote one
   * group's tables and now waits for the other's — the transfer group's swap,
   * mostly: a batch writes the account tables before transfer_status).
   */
  private async olderTransactionsEnded(client: pg.PoolClient, timeoutMs: number): Promise<boolean> {
    const { rows } = await client.query<{ xmax: string }>(
      'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax',
    );
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const { rows: now } = await client.query<{ ended: boolean; lingering: boolean }>(
        `SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 AS ended,
                EXISTS (SELECT 1 FROM pg_stat_activity
                         WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
                           AND (xact_start < clock_timestamp() - make_interval(secs => $2::float8 / 1000)
                                OR CASE WHEN wait_event_type = 'Lock'
                                        THEN pg_backend_pid() = ANY (pg_blocking_pids(pid))
                                             AND backend_xid = ANY (SELECT x::xid FROM pg_snapshot_xip(pg_current_snapshot()) x
                                                                     WHERE x < $1::xid8)
                                        ELSE false END))
                  AS lingering`,
        [rows[0].xmax, timeoutMs],
      );
      if (now[0].ended) return true;
      if (now[0].lingering || performance.now() >= deadline) return false;
      await sleep(2);
    }
  }

  /**
   * Every stream whose live guard row is ahead of its shadow row (or missing
   * from the shadow) gets the rest of its stream from the event store. Costs
   * one join of the two guard tables: only used when a transaction older
   * than the lock kept `readAll` from reaching every event the projector applied.
   */
  private async catchUpStreamsAhead(
    client: pg.PoolClient,
    ctx: Context,
  ): Promise<{ streams: number; events: number }> {
    const { table, key } = ctx.group.guard;
    const { rows } = await client.query<{ key: string; version: string }>(
      `SELECT l.${ident(key)}::text AS key, coalesce(s.version, 0) AS version
         FROM ${ident(table)} l
         LEFT JOIN ${ident(shadowTable(table))} s ON s.${ident(key)} = l.${ident(key)}
        WHERE s.${ident(key)} IS NULL OR l.version > s.version`,
    );
    let streams = 0;
    let events = 0;
    for (let i = 0; i < rows.length; i += PATCH_CONCURRENCY) {
      const read = await Promise.all(
        rows
          .slice(i, i + PATCH_CONCURRENCY)
          .map((r) => this.store.readStream(ctx.writer.streamOf(r.key), Number(r.version))),
      );
      const missing = read.flat();
      if (missing.length === 0) continue;
      events += await this.applyEvents(client, ctx, missing);
      streams += read.filter((s) => s.length > 0).length;
    }
    return { streams, events };
  }

  /**
   * The swapped-out tables go right away. The swap has committed: if they
   * cannot be dropped now (a straggling query still reads one), the next
   * rebuild drops them.
   */
  private async dropAfterSwap(session: pg.PoolClient, shadow: ShadowTables): Promise<boolean> {
    try {
      await inTransaction(session, async () => {
        await session.query('SET LOCAL lock_timeout = 5000');
        await shadow.dropOld(session);
      });
      return true;
    } catch {
      return false;
    }
  }

  private read(checkpoint: GlobalCheckpoint, limit: number): Promise<Page> {
    const page = this.store.readAll(checkpoint, limit);
    // A prefetched page may be abandoned when the batch before it fails.
    page.catch(() => undefined);
    return page;
  }
}

type Options = RebuildOptions & typeof DEFAULTS;

interface Context {
  group: ReadModelGroup;
  writer: ShadowWriter;
  runId: string;
  opts: Options;
}

async function connect(pool: pg.Pool): Promise<pg.PoolClient> {
  const client = await pool.connect();
  // A connection killed while checked out emits 'error' between queries: the
  // next query fails anyway, the process must not crash on the event.
  if (!watched.has(client)) {
    watched.add(client);
    client.on('error', () => undefined);
  }
  return client;
}
const watched = new WeakSet<pg.PoolClient>();

async function inTransaction<T>(client: pg.PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** lock_not_available (lock_timeout) or deadlock_detected: the swap can simply be tried again. */
function isLockWaitFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '55P03' || code === '40P01';
}
