import { transferIdFromStreamId, type TransferEvent } from '@cqrs-bank/banking';
import type { PostgresEventStore, UpcasterRegistry } from '@cqrs-bank/event-store';
import type pg from 'pg';
import { fromStoredEvent, PoisonMessage, type LedgerEvent } from '../../ledger/ledger-event.js';

export interface TransferBatchOutcome {
  applied: number;
  duplicates: number;
  caughtUp: number;
}

/**
 * `transfer_status`: one row per transfer — PENDING until its money has
 * settled, then COMPLETED or FAILED with the reason (a credit refused after the
 * debit stays PENDING until the refund landed). Applied inside the batch's
 * transaction with the same guard as the account read models: the row's
 * `version` is the transfer stream's, an event is applied only as version + 1,
 * a redelivery is skipped and a gap is filled from the event store.
 */
export class TransferStatusProjection {
  constructor(
    private readonly store: PostgresEventStore,
    private readonly upcasters: UpcasterRegistry,
  ) {}

  async apply(client: pg.PoolClient, events: LedgerEvent[]): Promise<TransferBatchOutcome> {
    const outcome: TransferBatchOutcome = { applied: 0, duplicates: 0, caughtUp: 0 };
    const byTransfer = new Map<string, LedgerEvent[]>();
    for (const e of events) {
      const transferId = e.transfer ? transferIdFromStreamId(e.streamId) : undefined;
      if (!transferId) continue;
      byTransfer.set(transferId, [...(byTransfer.get(transferId) ?? []), e]);
    }
    if (byTransfer.size === 0) return outcome;

    const ids = [...byTransfer.keys()].sort();
    await client.query({
      name: 'rm_lock_transfers',
      text: `SELECT pg_advisory_xact_lock(hashtextextended('transfer-status:' || id, 0))
               FROM unnest($1::text[]) AS id ORDER BY id`,
      values: [ids],
    });
    const { rows } = await client.query<{ transfer_id: string; version: string }>({
      name: 'rm_transfer_versions',
      text: 'SELECT transfer_id, version FROM transfer_status WHERE transfer_id = ANY($1::uuid[])',
      values: [ids],
    });
    const versions = new Map(rows.map((r) => [r.transfer_id, Number(r.version)]));

    for (const transferId of ids) {
      let current = versions.get(transferId) ?? 0;
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
            await write(client, transferId, filled.version, filled.transfer, filled.recordedAt);
            outcome.caughtUp += 1;
            current = stored.version;
          }
          if (current !== e.version - 1) {
            throw new Error(`${e.streamId} has no version ${current + 1} in the event store yet`);
          }
        }
        await write(client, transferId, e.version, e.transfer!, e.recordedAt);
        outcome.applied += 1;
        current = e.version;
      }
    }
    return outcome;
  }
}

async function write(
  client: pg.PoolClient,
  transferId: string,
  version: number,
  event: TransferEvent,
  at: Date,
) {
  if (event.type === 'TransferRequested') {
    const d = event.data;
    await client.query({
      name: 'rm_transfer_insert',
      text: `INSERT INTO transfer_status
               (transfer_id, from_account_id, to_account_id, amount, currency, status, reason, version,
                requested_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 'PENDING', NULL, $6, $7, $7)`,
      values: [transferId, d.fromAccountId, d.toAccountId, d.amount, d.currency, version, at],
    });
    return;
  }
  const { status, reason } = statusAfter(event);
  await client.query({
    name: 'rm_transfer_update',
    text: `UPDATE transfer_status
              SET status = coalesce($2, status), reason = coalesce($3, reason), version = $4, updated_at = $5
            WHERE transfer_id = $1`,
    values: [transferId, status, reason, version, at],
  });
}

/** The status and reason an event sets (null: unchanged). */
function statusAfter(event: Exclude<TransferEvent, { type: 'TransferRequested' }>): {
  status: 'PENDING' | 'COMPLETED' | 'FAILED' | null;
  reason: string | null;
} {
  switch (event.type) {
    case 'TransferCompleted':
      return { status: 'COMPLETED', reason: null };
    case 'TransferFailed':
      // Failed after the debit: PENDING until the refund has landed.
      return { status: event.data.sourceDebited ? null : 'FAILED', reason: event.data.reason };
    case 'TransferRefunded':
      return { status: 'FAILED', reason: null };
    default:
      return { status: null, reason: null };
  }
}
