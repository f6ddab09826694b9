import type { AccountProjection, AppliedAccountEvent, ProjectionWrites } from '../account-projection.js';
import { ident, LIVE_TABLES, statementName } from '../read-model-tables.js';

/**
 * `account_transactions`: every money movement with the balance after it —
 * the account's history, and the index time travel searches. Opening with an
 * initial deposit is the account's first deposit. `table` is the live table
 * or a rebuild's shadow copy of it.
 */
export class HistoryProjection implements AccountProjection {
  readonly name = 'history';
  private readonly insert;

  constructor(readonly table: string = LIVE_TABLES.history) {
    this.insert = {
      name: statementName('rm_history_insert', table),
      text: `INSERT INTO ${ident(table)}
               (account_id, version, event_id, kind, amount, balance_after, transfer_id, occurred_at)
             SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::text[], $5::bigint[],
                                  $6::bigint[], $7::uuid[], $8::timestamptz[])`,
    };
  }

  begin(): ProjectionWrites {
    const { insert } = this;
    // Column arrays, filled as the events come: one statement per batch, and
    // no object per entry (a rebuild pushes millions through here).
    const accountIds: string[] = [];
    const versions: number[] = [];
    const eventIds: string[] = [];
    const kinds: ('DEPOSIT' | 'WITHDRAWAL')[] = [];
    const amounts: number[] = [];
    const balancesAfter: number[] = [];
    const transferIds: (string | null)[] = [];
    const occurredAt: string[] = [];
    const entry = (
      e: AppliedAccountEvent,
      kind: 'DEPOSIT' | 'WITHDRAWAL',
      amount: number,
      balanceAfter: number,
      transferId: string | null,
    ) => {
      accountIds.push(e.accountId);
      versions.push(e.version);
      eventIds.push(e.eventId);
      kinds.push(kind);
      amounts.push(amount);
      balancesAfter.push(balanceAfter);
      transferIds.push(transferId);
      occurredAt.push(e.recordedAt.toISOString());
    };
    return {
      add(applied: AppliedAccountEvent) {
        const { event } = applied;
        switch (event.type) {
          case 'AccountOpened':
            if (event.data.initialDeposit > 0) {
              entry(applied, 'DEPOSIT', event.data.initialDeposit, event.data.initialDeposit, null);
            }
            break;
          case 'MoneyDeposited':
            entry(
              applied,
              'DEPOSIT',
              event.data.amount,
              event.data.balanceAfter,
              event.data.transferId ?? null,
            );
            break;
          case 'MoneyWithdrawn':
            entry(
              applied,
              'WITHDRAWAL',
              event.data.amount,
              event.data.balanceAfter,
              event.data.transferId ?? null,
            );
            break;
          case 'AccountClosed':
            break;
        }
      },

      statements() {
        if (accountIds.length === 0) return [];
        return [
          {
            ...insert,
            values: [accountIds, versions, eventIds, kinds, amounts, balancesAfter, transferIds, occurredAt],
          },
        ];
      },
    };
  }
}
