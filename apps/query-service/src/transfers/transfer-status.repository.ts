import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { READ_MODEL_POOL } from '../read-models/read-model-pool.js';
import { toSafeInteger, utcIso } from '../read-models/sql.js';

export interface TransferStatusRecord {
  transferId: string;
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  currency: string;
  status: 'PENDING' | 'COMPLETED' | 'FAILED';
  reason: string | null;
  updatedAt: string;
  /** Owners of the two accounts, as far as account_balance knows them (for authorisation). */
  ownerIds: string[];
}

/** transfer_status, with the owners of both accounts. */
@Injectable()
export class TransferStatusRepository {
  constructor(@Inject(READ_MODEL_POOL) private readonly pool: pg.Pool) {}

  async find(transferId: string): Promise<TransferStatusRecord | undefined> {
    const { rows } = await this.pool.query<{
      transfer_id: string;
      from_account_id: string;
      to_account_id: string;
      amount: string;
      currency: string;
      status: 'PENDING' | 'COMPLETED' | 'FAILED';
      reason: string | null;
      updated_at: string;
      from_owner_id: string | null;
      to_owner_id: string | null;
    }>(
      `SELECT t.transfer_id, t.from_account_id, t.to_account_id, t.amount, t.currency, t.status, t.reason,
              ${utcIso('t.updated_at')} AS updated_at, f.owner_id AS from_owner_id, o.owner_id AS to_owner_id
         FROM transfer_status t
         LEFT JOIN account_balance f ON f.account_id = t.from_account_id
         LEFT JOIN account_balance o ON o.account_id = t.to_account_id
        WHERE t.transfer_id = $1`,
      [transferId],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      transferId: r.transfer_id,
      fromAccountId: r.from_account_id,
      toAccountId: r.to_account_id,
      amount: toSafeInteger(r.amount, 'transfer_status.amount'),
      currency: r.currency,
      status: r.status,
      reason: r.reason,
      updatedAt: r.updated_at,
      ownerIds: [r.from_owner_id, r.to_owner_id].filter((o): o is string => o !== null),
    };
  }
}
