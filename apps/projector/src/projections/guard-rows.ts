import type pg from 'pg';
import { ident, statementName } from './read-model-tables.js';

export interface GuardRowsOptions {
  /** The table whose `version` column guards a stream's read-model rows. */
  table: string;
  /** Its key column (a uuid). */
  idColumn: string;
  /** Distinguishes these streams' advisory locks from other kinds of stream. */
  lockNamespace: string;
  /**
   * Serialise writers (default true): see `versions`. A rebuild is the only
   * writer of its shadow tables and reads without locks.
   */
  lock?: boolean;
}

/**
 * The guard rows of a batch's streams: the stream version each one's read
 * models reflect. Locked, they serialise live projector replicas that briefly
 * own the same partition during a rebalance: a stream's row is read
 * FOR UPDATE (one statement, the usual case); a stream with no row yet (its
 * first events are in the batch) is locked by an advisory lock on its id
 * instead and read again — the row another replica inserted meanwhile is then
 * visible, and locked.
 */
export class GuardRows {
  private readonly lock: boolean;
  private readonly read: { name: string; text: string };
  private readonly lockNew: { name: string; text: string };

  constructor(options: GuardRowsOptions) {
    const t = ident(options.table);
    const id = ident(options.idColumn);
    this.lock = options.lock ?? true;
    // In id order, so two replicas lock the rows they share in the same order.
    this.read = this.lock
      ? {
          name: statementName('rm_guard_locked', options.table),
          text: `SELECT ${id}::text AS id, version FROM ${t} WHERE ${id} = ANY($1::uuid[]) ORDER BY ${id} FOR UPDATE`,
        }
      : {
          name: statementName('rm_guard', options.table),
          text: `SELECT ${id}::text AS id, version FROM ${t} WHERE ${id} = ANY($1::uuid[])`,
        };
    this.lockNew = {
      name: statementName('rm_guard_lock_new', options.table),
      text: `SELECT pg_advisory_xact_lock(hashtextextended(${pgString(options.lockNamespace)} || id, 0))
               FROM unnest($1::text[]) AS id ORDER BY id`,
    };
  }

  /** The version of each stream id (absent: no row, nothing reflected yet), in the client's open transaction. */
  async versions(client: pg.ClientBase, ids: readonly string[]): Promise<Map<string, number>> {
    const found = await this.readVersions(client, ids);
    if (!this.lock) return found;
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) {
      await client.query({ ...this.lockNew, values: [missing] });
      for (const [id, version] of await this.readVersions(client, missing)) found.set(id, version);
    }
    return found;
  }

  private async readVersions(client: pg.ClientBase, ids: readonly string[]): Promise<Map<string, number>> {
    const { rows } = await client.query<{ id: string; version: string }>({ ...this.read, values: [ids] });
    return new Map(rows.map((r) => [r.id, Number(r.version)]));
  }
}

/** A constant of this module as an SQL string literal. */
function pgString(value: string): string {
  if (!/^[a-z_:-]*$/.test(value)) throw new Error(`not a plain lock namespace: ${value}`);
  return `'${value}'`;
}
