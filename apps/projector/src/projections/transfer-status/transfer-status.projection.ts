import { transferIdFromStreamId } from '@cqrs-bank/banking';
import type { PostgresEventStore, UpcasterRegistry } from '@cqrs-bank/event-store';
import type pg from 'pg';
import { fromStoredEvent, PoisonMessage, type LedgerEvent } from '../../ledger/ledger-event.js';
import { GuardRows } from '../guard-rows.js';
import { ident, statementName, TRANSFER_STATUS_TABLE } from '../read-model-tables.js';
import { WriteBatch, type WriteStatement } from '../write-batch.js';
import { foldTransferEvent, type TransferStatusChange } from './transfer-status-change.js';

export interface TransferBatchOutcome {
  applied: number;
  duplicates: number;
  caughtUp: number;
}

export interface TransferStatusProjectionOptions {
  /** The table written: the live read model (default) or a rebuild's shadow copy of it. */
  table?: string;
  /**
   * Lock the transfers' rows (default true, see GuardRows): it serialises
   * live projector replicas that briefly own the same partition. A rebuild is
   * the only writer of its shadow table and skips it.
   */
  lockTransfers?: boolean;
}

/**
 * `transfer_status`: one row per transfer — PENDING until its money has
 * settled, then COMPLETED or FAILED with the reason (a credit refused after the
 * debit stays PENDING until the refund landed). Applied inside the batch's
 * transaction with the same guard as the account read models: the row's
 * `version` is the transfer stream's, an event is applied only as version + 1,
 * a redelivery is skipped and a gap is filled from the event store. A batch's
 * events are folded per transfer in memory and written in two statements.
 *
 * The live projector and a rebuild (into the shadow table) share this code.
 */
export class TransferStatusProjection {
  private readonly guard: GuardRows;
  private readonly sql;

  constructor(
    private readonly store: PostgresEventStore,
    private readonly upcasters: UpcasterRegistry,
    options: TransferStatusProjectionOptions = {},
  ) {
    const table = options.table ?? TRANSFER_STATUS_TABLE;
    const t = ident(table);
    this.guard = new GuardRows({
      table,
      idColumn: 'transfer_id',
      lockNamespace: 'transfer:',
      lock: options.lockTransfers ?? true,
    });
    this.sql = {
      insert: {
        name: statementName('rm_transfer_insert', table),
        text: `INSERT INTO ${t}
                 (transfer_id, from_account_id, to_account_id, amount, currency, status, reason, version,
                  requested_at, updated_at)
               SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::bigint[], $5::text[], $6::text[],
                                    $7::text[], $8::bigint[], $9::timestamptz[], $10::timestamptz[])`,
      },
      update: {
        name: statementName('rm_transfer_update', table),
        // `= ANY($1)`: the batch's transfers through the primary key, never a scan of the table
        // (BalanceProjection's update says why).
        text: `UPDATE ${t} AS s
                  SET status = coalesce(u.status, s.status), reason = coalesce(u.reason, s.reason),
                      version = u.version, updated_at = u.updated_at
                 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[])
                      AS u(transfer_id, status, reason, version, updated_at)
                WHERE s.transfer_id = ANY($1::uuid[]) AND s.transfer_id = u.transfer_id`,
      },
    };
  }

  /**
   * Applies `events` in the client's open transaction. With `writes`, the
   * row writes are added to it and sent by the caller's flush; without, they
   * are sent before this resolves.
   */
  async apply(
    client: pg.PoolClient,
    events: LedgerEvent[],
    writes?: WriteBatch,
  ): Promise<TransferBatchOutcome> {
    const outcome: TransferBatchOutcome = { applied: 0, duplicates: 0, caughtUp: 0 };
    const byTransfer = new Map<string, LedgerEvent[]>();
    for (const e of events) {
      const transferId = e.transfer ? transferIdFromStreamId(e.streamId) : undefined;
      if (!transferId) continue;
      const list = byTransfer.get(transferId) ?? [];
      list.push(e);
      byTransfer.set(transferId, list);
    }
    if (byTransfer.size === 0) return outcome;

    const ids = [...byTransfer.keys()].sort();
    const versions = await this.guard.versions(client, ids);

    const changes: TransferStatusChange[] = [];
    for (const transferId of ids) {
      let current = versions.get(transferId) ?? 0;
      let change: TransferStatusChange | undefined;
      const list = byTransfer.get(transferId)!.sort((a, b) => a.version - b.version);
      for (const e of list) {
        if (e.version <= current) {
          outcome.duplicates += 1;
          continue;
        }
        if (e.version > current + 1) {
          for (const stored of await this.store.readStream(e.streamId, current)) {
            if (stored.version >= e.version) break;
            const filled = fromStoredEvent(stored, this.upcasters);
            if (!filled.transfer)
              throw new PoisonMessage(`stored event ${stored.eventId} is not a transfer event`);
            change = foldTransferEvent(
              change,
              transferId,
              filled.version,
              filled.transfer,
              filled.recordedAt,
            );
            outcome.caughtUp += 1;
            current = stored.version;
          }
          if (current !== e.version - 1) {
            throw new Error(`${e.streamId} has no version ${current + 1} in the event store yet`);
          }
        }
        change = foldTransferEvent(change, transferId, e.version, e.transfer!, e.recordedAt);
        outcome.applied += 1;
        current = e.version;
      }
      if (change) changes.push(change);
    }
    const batch = writes ?? new WriteBatch();
    for (const statement of this.statements(changes)) batch.add(statement);
    if (!writes) await batch.flush(client);
    return outcome;
  }

  /** The row writes for `changes`: inserts of new transfers, one update of the others. */
  statements(changes: TransferStatusChange[]): WriteStatement[] {
    const inserts = changes.filter((c) => c.requested);
    const updates = changes.filter((c) => !c.requested);
    const statements: WriteStatement[] = [];
    if (inserts.length > 0) {
      statements.push({
        ...this.sql.insert,
        values: [
          inserts.map((c) => c.transferId),
          inserts.map((c) => c.requested!.fromAccountId),
          inserts.map((c) => c.requested!.toAccountId),
          inserts.map((c) => c.requested!.amount),
          inserts.map((c) => c.requested!.currency),
          inserts.map((c) => c.status ?? 'PENDING'),
          inserts.map((c) => c.reason),
          inserts.map((c) => c.version),
          inserts.map((c) => c.requested!.requestedAt),
          inserts.map((c) => c.updatedAt),
        ],
      });
    }
    if (updates.length > 0) {
      statements.push({
        ...this.sql.update,
        values: [
          updates.map((c) => c.transferId),
          updates.map((c) => c.status),
          updates.map((c) => c.reason),
          updates.map((c) => c.version),
          updates.map((c) => c.updatedAt),
        ],
      });
    }
    return statements;
  }
}
