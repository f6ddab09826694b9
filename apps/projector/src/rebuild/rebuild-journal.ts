import { START_OF_LOG, type GlobalCheckpoint } from '@cqrs-bank/event-store';
import type pg from 'pg';
import { REBUILD_LOCK_CLASS, type ReadModelGroup } from './rebuild-targets.js';

export type RebuildStatus = 'RUNNING' | 'DONE' | 'ABANDONED';

/** One row of `projection_rebuilds`. */
export interface RebuildRecord {
  id: string;
  readModels: string;
  projections: string[];
  /** The name the operator asked for. */
  requested: string;
  status: RebuildStatus;
  /** Where the shadow tables are in the event store's gap-safe global order. */
  checkpoint: GlobalCheckpoint;
  eventsRead: number;
  eventsApplied: number;
  startedAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
  lastError: string | null;
}

/** How far a rebuild has got: written with the shadow rows it describes, in their transaction. */
export interface RebuildProgress {
  checkpoint: GlobalCheckpoint;
  eventsRead: number;
  eventsApplied: number;
}

type Db = pg.Pool | pg.ClientBase;

interface Row {
  id: string;
  read_models: string;
  projections: string[];
  requested: string;
  status: RebuildStatus;
  checkpoint_tx_id: string;
  checkpoint_position: string;
  events_read: string;
  events_applied: string;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  last_error: string | null;
}

const COLUMNS = `id, read_models, projections, requested, status, checkpoint_tx_id::text AS checkpoint_tx_id,
  checkpoint_position, events_read, events_applied, started_at, updated_at, finished_at, last_error`;

/** `projection_rebuilds`: each rebuild's state and checkpoint, so a crashed one can be resumed. */
export class RebuildJournal {
  async running(db: Db, group: ReadModelGroup): Promise<RebuildRecord | undefined> {
    const { rows } = await db.query<Row>(
      `SELECT ${COLUMNS} FROM projection_rebuilds WHERE read_models = $1 AND status = 'RUNNING'`,
      [group.key],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async lastDone(db: Db, group: ReadModelGroup): Promise<RebuildRecord | undefined> {
    const { rows } = await db.query<Row>(
      `SELECT ${COLUMNS} FROM projection_rebuilds WHERE read_models = $1 AND status = 'DONE'
        ORDER BY id DESC LIMIT 1`,
      [group.key],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async start(db: Db, group: ReadModelGroup, requested: string): Promise<RebuildRecord> {
    const { rows } = await db.query<Row>(
      `INSERT INTO projection_rebuilds (read_models, projections, requested) VALUES ($1, $2, $3)
       RETURNING ${COLUMNS}`,
      [group.key, group.projections, requested],
    );
    return toRecord(rows[0]);
  }

  /** Records a batch applied to the shadow tables; fails unless the rebuild is still RUNNING. */
  async advance(db: Db, id: string, progress: RebuildProgress): Promise<void> {
    await this.update(db, id, progress, 'RUNNING');
  }

  /** Marks the rebuild DONE: called in the swap transaction. */
  async finish(db: Db, id: string, progress: RebuildProgress): Promise<void> {
    await this.update(db, id, progress, 'DONE');
  }

  async abandon(db: Db, id: string, reason: string): Promise<void> {
    await db.query(
      `UPDATE projection_rebuilds SET status = 'ABANDONED', finished_at = now(), updated_at = now(),
              last_error = $2
        WHERE id = $1 AND status = 'RUNNING'`,
      [id, reason],
    );
  }

  /** Notes why a rebuild stopped; it stays RUNNING, to be resumed. */
  async recordError(db: Db, id: string, message: string): Promise<void> {
    await db.query(
      `UPDATE projection_rebuilds SET last_error = $2, updated_at = now() WHERE id = $1 AND status = 'RUNNING'`,
      [id, message.slice(0, 2000)],
    );
  }

  /** Whether a process holds the group's rebuild lock right now (a RUNNING row without it was interrupted). */
  async lockHeld(db: Db, group: ReadModelGroup): Promise<boolean> {
    const { rows } = await db.query<{ held: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND objsubid = 2
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND classid = $1::bigint::oid AND objid = $2::bigint::oid) AS held`,
      [REBUILD_LOCK_CLASS, group.lockKey],
    );
    return rows[0].held;
  }

  private async update(db: Db, id: string, p: RebuildProgress, status: RebuildStatus): Promise<void> {
    const { rowCount } = await db.query(
      `UPDATE projection_rebuilds
          SET checkpoint_tx_id = $2::xid8, checkpoint_position = $3, events_read = $4, events_applied = $5,
              status = $6, updated_at = now(),
              finished_at = CASE WHEN $6 = 'DONE' THEN now() END,
              last_error = NULL
        WHERE id = $1 AND status = 'RUNNING'`,
      [id, p.checkpoint.txId, p.checkpoint.position.toString(), p.eventsRead, p.eventsApplied, status],
    );
    if (rowCount !== 1) throw new Error(`rebuild #${id} is no longer running (replaced by another one?)`);
  }
}

function toRecord(r: Row): RebuildRecord {
  return {
    id: r.id,
    readModels: r.read_models,
    projections: r.projections,
    requested: r.requested,
    status: r.status,
    checkpoint: { txId: r.checkpoint_tx_id, position: BigInt(r.checkpoint_position) },
    eventsRead: Number(r.events_read),
    eventsApplied: Number(r.events_applied),
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    lastError: r.last_error,
  };
}

/** A checkpoint as people read it. */
export function describeCheckpoint(c: GlobalCheckpoint): string {
  return c.txId === START_OF_LOG.txId && c.position === START_OF_LOG.position
    ? 'the start of the log'
    : `tx ${c.txId} / position ${c.position}`;
}
