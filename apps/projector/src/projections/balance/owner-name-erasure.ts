import { ERASED } from '@cqrs-bank/event-store';
import type pg from 'pg';
import { ident, LIVE_TABLES, statementName } from '../read-model-tables.js';

/**
 * The one read model that holds a name, `account_balance.owner_name`, after a
 * customer's personal data is erased (SPEC §8): "[erased]" on every account of
 * that owner. Idempotent, so a redelivered erasure changes nothing. AccountOpened
 * events projected later find the key gone and write "[erased]" themselves.
 */
export class OwnerNameErasure {
  private readonly sql;

  constructor(readonly table: string = LIVE_TABLES.balance) {
    const t = ident(table);
    this.sql = {
      erase: {
        name: statementName('rm_balance_erase_owner_names', table),
        text: `UPDATE ${t} SET owner_name = '${ERASED}'
                WHERE owner_id = ANY($1::text[]) AND owner_name IS DISTINCT FROM '${ERASED}'`,
      },
      sweep: `UPDATE ${t} AS b SET owner_name = '${ERASED}'
                FROM personal_data_keys k
               WHERE k.owner_id = b.owner_id AND k.erased_at IS NOT NULL
                 AND b.owner_name IS DISTINCT FROM '${ERASED}'`,
    };
  }

  async erase(client: pg.PoolClient, ownerIds: string[]): Promise<void> {
    if (ownerIds.length > 0) await client.query({ ...this.sql.erase, values: [ownerIds] });
  }

  /** Every owner erased so far, from the key table itself: a rebuild's last step before its swap. */
  async sweep(client: pg.PoolClient): Promise<number> {
    const { rowCount } = await client.query(this.sql.sweep);
    return rowCount ?? 0;
  }
}
