import { accountIdFromStreamId, type AccountEvent } from '@cqrs-bank/banking';
import type { PersonalDataVault, PostgresEventStore, UpcasterRegistry } from '@cqrs-bank/event-store';
import type pg from 'pg';
import { fromStoredEvent, PoisonMessage, type LedgerEvent } from '../ledger/ledger-event.js';
import type { AccountProjection, AppliedAccountEvent } from './account-projection.js';
import { BalanceProjection, type BalanceRowChange } from './balance/balance.projection.js';
import { OwnerNameErasure } from './balance/owner-name-erasure.js';
import { HistoryProjection } from './history/history.projection.js';
import { MonthlySummaryProjection } from './monthly-summary/monthly-summary.projection.js';
import { GuardRows } from './guard-rows.js';
import { LIVE_TABLES, type AccountReadModelTables } from './read-model-tables.js';
import { WriteBatch } from './write-batch.js';

export interface BatchOutcome {
  /** Events applied to the read models. */
  applied: number;
  /** Events already reflected (redelivery): skipped, so nothing counts twice. */
  duplicates: number;
  /** Events read from the event store to fill a gap before a later one. */
  caughtUp: number;
  /** Events of streams no read model here follows (yet). */
  ignored: number;
  /**
   * The account rows the batch changed, as it leaves them; 'any' when it
   * changed rows it cannot list (an erasure renames all of an owner's accounts).
   */
  changed: BalanceRowChange[] | 'any';
}

export interface AccountBatchApplierOptions {
  /** The tables written: the live read models (default) or a rebuild's shadow tables. */
  tables?: AccountReadModelTables;
  /**
   * Lock the accounts' guard rows (default true, see GuardRows): it
   * serialises live projector replicas that briefly own the same partition.
   * With it, owner names are opened under a share lock on their key rows, so
   * an erasure waits for this batch (and its event then overwrites the name).
   * A rebuild is the only writer of its shadow tables and skips both: it
   * sweeps erased names from the key table just before its swap instead.
   */
  lockAccounts?: boolean;
}

/**
 * Applies a batch of ledger events to every account read model, inside the
 * caller's transaction. Exactly-once in effect: each account's row carries the
 * stream version it reflects, read under a lock (GuardRows), and an event is
 * applied only as that version + 1 — a redelivered
 * event is skipped; an event beyond it means the projector missed some (a
 * lost or reordered message), which are then read from the event store so
 * nothing is ever skipped. The one version in the balance table guards all
 * three read models: they are always written together, in one transaction.
 *
 * The writes of all three read models go out as one statement (WriteBatch),
 * with the caller's own writes when it passes its batch.
 *
 * The live projector and a rebuild (into shadow tables) share this code.
 */
export class AccountBatchApplier {
  private readonly balance: BalanceProjection;
  private readonly movements: AccountProjection[];
  private readonly erasure: OwnerNameErasure;
  private readonly lockAccounts: boolean;
  private readonly guard: GuardRows;

  constructor(
    private readonly store: PostgresEventStore,
    private readonly upcasters: UpcasterRegistry,
    private readonly vault: PersonalDataVault,
    options: AccountBatchApplierOptions = {},
  ) {
    const tables = options.tables ?? LIVE_TABLES;
    this.balance = new BalanceProjection(tables.balance);
    this.movements = [
      new HistoryProjection(tables.history),
      new MonthlySummaryProjection(tables.monthlySummary),
    ];
    this.erasure = new OwnerNameErasure(tables.balance);
    this.lockAccounts = options.lockAccounts ?? true;
    this.guard = new GuardRows({
      table: tables.balance,
      idColumn: 'account_id',
      lockNamespace: 'account:',
      lock: this.lockAccounts,
    });
  }

  /**
   * Applies `events` in the client's open transaction. With `writes`, the
   * read-model writes are added to it and sent by the caller's flush;
   * without, they are sent before this resolves.
   */
  async apply(client: pg.PoolClient, events: LedgerEvent[], writes?: WriteBatch): Promise<BatchOutcome> {
    const outcome: BatchOutcome = { applied: 0, duplicates: 0, caughtUp: 0, ignored: 0, changed: [] };
    const batch = writes ?? new WriteBatch();
    const erasedOwners = events.flatMap((e) =>
      e.customer?.type === 'CustomerPersonalDataErased' ? [e.customer.data.ownerId] : [],
    );
    await this.applyAccountEvents(client, events, outcome, batch);
    if (erasedOwners.length > 0) {
      // After the account writes: a name opened in this batch is overwritten too.
      await batch.flush(client);
      await this.erasure.erase(client, erasedOwners);
      outcome.applied += erasedOwners.length;
      outcome.changed = 'any';
    }
    if (!writes) await batch.flush(client);
    return outcome;
  }

  private async applyAccountEvents(
    client: pg.PoolClient,
    events: LedgerEvent[],
    outcome: BatchOutcome,
    batch: WriteBatch,
  ): Promise<void> {
    const byAccount = new Map<string, LedgerEvent[]>();
    // One look-up of the key table for the whole batch.
    for (const e of await this.openNames(client, events)) {
      if (e.customer) continue;
      const accountId = e.account ? accountIdFromStreamId(e.streamId) : undefined;
      if (!accountId) {
        outcome.ignored += 1;
        continue;
      }
      const list = byAccount.get(accountId) ?? [];
      list.push(e);
      byAccount.set(accountId, list);
    }
    if (byAccount.size === 0) return;

    const ids = [...byAccount.keys()].sort();
    const versions = await this.guard.versions(client, ids);

    const balance = this.balance.begin();
    const writes = [balance, ...this.movements.map((p) => p.begin())];
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
          const filledEvents = await this.openNames(
            client,
            missing.filter((m) => m.version < e.version).map((m) => fromStoredEvent(m, this.upcasters)),
          );
          for (const filled of filledEvents) {
            if (!filled.account)
              throw new PoisonMessage(`stored event ${filled.eventId} is not an account event`);
            writes.forEach((w) => w.add(applied(accountId, filled)));
            outcome.caughtUp += 1;
            current = filled.version;
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
    for (const w of writes) for (const statement of w.statements()) batch.add(statement);
    outcome.changed = balance.changes();
  }

  /**
   * The events with the owner names of AccountOpened opened (SPEC §8): the
   * name, or "[erased]" once the owner's key is gone. New objects: a batch that
   * is retried opens them again, against the key table as it is then.
   */
  private async openNames(client: pg.PoolClient, events: LedgerEvent[]): Promise<LedgerEvent[]> {
    const opened = events.filter((e) => e.account?.type === 'AccountOpened');
    if (opened.length === 0) return events;
    const revealed = await this.vault.revealEvents(
      opened.map((e) => e.account!),
      { db: client, lock: this.lockAccounts },
    );
    const byEvent = new Map(opened.map((e, i) => [e, revealed[i] as AccountEvent]));
    return events.map((e) => (byEvent.has(e) ? { ...e, account: byEvent.get(e) } : e));
  }

  /** The rebuild's last word before its swap: every erased owner's name, from the key table. */
  sweepErasedNames(client: pg.PoolClient): Promise<number> {
    return this.erasure.sweep(client);
  }
}

function applied(accountId: string, e: LedgerEvent): AppliedAccountEvent {
  return { accountId, version: e.version, eventId: e.eventId, event: e.account!, recordedAt: e.recordedAt };
}
