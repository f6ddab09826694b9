import { accountIdFromStreamId } from '@cqrs-bank/banking';
import type { PostgresEventStore, UpcasterRegistry } from '@cqrs-bank/event-store';
import type pg from 'pg';
import { fromStoredEvent, PoisonMessage, type LedgerEvent } from '../ledger/ledger-event.js';
import type { AccountProjection, AppliedAccountEvent } from './account-projection.js';
import { BalanceProjection } from './balance/balance.projection.js';
import { HistoryProjection } from './history/history.projection.js';
import { MonthlySummaryProjection } from './monthly-summary/monthly-summary.projection.js';
import { ident, LIVE_TABLES, statementName, type AccountReadModelTables } from './read-model-tables.js';

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

export interface AccountBatchApplierOptions {
  /** The tables written: the live read models (default) or a rebuild's shadow tables. */
  tables?: AccountReadModelTables;
  /**
   * Take a transaction-scoped advisory lock per account (default true): it
   * serialises live projector replicas that briefly own the same partition.
   * A rebuild is the only writer of its shadow tables and skips it.
   */
  lockAccounts?: boolean;
}

/** Every account read model, writing to `tables`. */
export function accountProjections(tables: AccountReadModelTables = LIVE_TABLES): AccountProjection[] {
  return [
    new BalanceProjection(tables.balance),
    new HistoryProjection(tables.history),
    new MonthlySummaryProjection(tables.monthlySummary),
  ];
}

/**
 * Applies a batch of ledger events to every account read model, inside the
 * caller's transaction. Exactly-once in effect: each account's row carries the
 * stream version it reflects, under a transaction-scoped advisory lock per
 * account, and an event is applied only as that version + 1 — a redelivered
 * event is skipped; an event beyond it means the projector missed some (a
 * lost or reordered message), which are then read from the event store so
 * nothing is ever skipped. The one version in the balance table guards all
 * three read models: they are always written together, in one transaction.
 *
 * The live projector and a rebuild (into shadow tables) share this code.
 */
export class AccountBatchApplier {
  private readonly projections: AccountProjection[];
  private readonly lockAccounts: boolean;
  private readonly versionsQuery: { name: string; text: string };

  constructor(
    private readonly store: PostgresEventStore,
    private readonly upcasters: UpcasterRegistry,
    options: AccountBatchApplierOptions = {},
  ) {
    const tables = options.tables ?? LIVE_TABLES;
    this.projections = accountProjections(tables);
    this.lockAccounts = options.lockAccounts ?? true;
    this.versionsQuery = {
      name: statementName('rm_account_versions', tables.balance),
      text: `SELECT account_id, version FROM ${ident(tables.balance)} WHERE account_id = ANY($1::uuid[])`,
    };
  }

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
    if (this.lockAccounts) {
      // Serialises replicas that briefly own the same partition during a rebalance.
      await client.query({
        name: 'rm_lock_accounts',
        text: 'SELECT pg_advisory_xact_lock(hashtextextended(id, 0)) FROM unnest($1::text[]) AS id ORDER BY id',
        values: [ids],
      });
    }
    const { rows } = await client.query<{ account_id: string; version: string }>({
      ...this.versionsQuery,
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
