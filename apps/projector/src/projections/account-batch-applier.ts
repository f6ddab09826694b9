import { accountIdFromStreamId } from '@cqrs-bank/banking';
import type { PostgresEventStore, UpcasterRegistry } from '@cqrs-bank/event-store';
import type pg from 'pg';
import { fromStoredEvent, PoisonMessage, type LedgerEvent } from '../ledger/ledger-event.js';
import type { AccountProjection, AppliedAccountEvent } from './account-projection.js';

export interface BatchOutcome {
  /** Events applied to the read models. */
  applied: number;
  /** Events already reflected (redelivery): skipped, so nothing counts twice. */
  duplicates: number;
  /** Events read from the event store to fill a gap before a later one. */
  caughtUp: number;
  /** Events of streams no read model here follows (yet). */
  ignored: number;
}

/**
 * Applies a batch of ledger events to every account read model, inside the
 * caller's transaction. Exactly-once in effect: each account's row carries the
 * stream version it reflects, under a transaction-scoped advisory lock per
 * account, and an event is applied only as that version + 1 — a redelivered
 * event is skipped; an event beyond it means the projector missed some (a
 * lost or reordered message), which are then read from the event store so
 * nothing is ever skipped.
 */
export class AccountBatchApplier {
  constructor(
    private readonly projections: AccountProjection[],
    private readonly store: PostgresEventStore,
    private readonly upcasters: UpcasterRegistry,
  ) {}

  async apply(client: pg.PoolClient, events: LedgerEvent[]): Promise<BatchOutcome> {
    const outcome: BatchOutcome = { applied: 0, duplicates: 0, caughtUp: 0, ignored: 0 };
    const byAccount = new Map<string, LedgerEvent[]>();
    for (const e of events) {
      const accountId = e.account ? accountIdFromStreamId(e.streamId) : undefined;
      if (!accountId) {
        outcome.ignored += 1;
        continue;
      }
      const list = byAccount.get(accountId) ?? [];
      list.push(e);
      byAccount.set(accountId, list);
    }
    if (byAccount.size === 0) return outcome;

    const ids = [...byAccount.keys()].sort();
    // Serialises replicas that briefly own the same partition during a rebalance.
    await client.query({
      name: 'rm_lock_accounts',
      text: 'SELECT pg_advisory_xact_lock(hashtextextended(id, 0)) FROM unnest($1::text[]) AS id ORDER BY id',
      values: [ids],
    });
    const { rows } = await client.query<{ account_id: string; version: string }>({
      name: 'rm_account_versions',
      text: 'SELECT account_id, version FROM account_balance WHERE account_id = ANY($1::uuid[])',
      values: [ids],
    });
    const versions = new Map(rows.map((r) => [r.account_id, Number(r.version)]));

    const writes = this.projections.map((p) => p.begin());
    for (const accountId of ids) {
      let current = versions.get(accountId) ?? 0;
      const list = byAccount.get(accountId)!.sort((a, b) => a.version - b.version);
      for (const e of list) {
        if (e.version <= current) {
          outcome.duplicates += 1;
          continue;
        }
        if (e.version > current + 1) {
          const missing = await this.store.readStream(e.streamId, current);
          for (const stored of missing) {
            if (stored.version >= e.version) break;
            const filled = fromStoredEvent(stored, this.upcasters);
            if (!filled.account)
              throw new PoisonMessage(`stored event ${stored.eventId} is not an account event`);
            writes.forEach((w) => w.add(applied(accountId, filled)));
            outcome.caughtUp += 1;
            current = stored.version;
          }
          if (current !== e.version - 1) {
            throw new Error(`${e.streamId} has no version ${current + 1} in the event store yet`);
          }
        }
        writes.forEach((w) => w.add(applied(accountId, e)));
        outcome.applied += 1;
        current = e.version;
      }
    }
    for (const w of writes) await w.write(client);
    return outcome;
  }
}

function applied(accountId: string, e: LedgerEvent): AppliedAccountEvent {
  return { accountId, version: e.version, eventId: e.eventId, event: e.account!, recordedAt: e.recordedAt };
}
