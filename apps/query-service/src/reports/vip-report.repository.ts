import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { READ_MODEL_POOL } from '../read-models/read-model-pool.js';
import { toSafeInteger } from '../read-models/sql.js';

export interface VipAccountRecord {
  accountId: string;
  ownerId: string;
  ownerName: string | null;
  currency: string;
  status: 'OPEN' | 'CLOSED';
  lifetimeDeposits: number;
  balance: number;
  version: number;
}

/** Position after an entry of the VIP list: (lifetime deposits, account id), both descending. */
export interface VipPosition {
  /** Decimal digits: kept exact whatever its size. */
  lifetimeDeposits: string;
  accountId: string;
}

/** The VIP list: account_balance by lifetime_deposits, via account_balance_lifetime_deposits_idx. */
@Injectable()
export class VipReportRepository {
  constructor(@Inject(READ_MODEL_POOL) private readonly pool: pg.Pool) {}

  /** Accounts with lifetime deposits above `threshold`, highest first, after `after` when given. */
  async page(threshold: number, limit: number, after?: VipPosition): Promise<VipAccountRecord[]> {
    const params: unknown[] = [threshold, limit];
    let keyset = '';
    if (after) {
      params.push(after.lifetimeDeposits, after.accountId);
      keyset = 'AND (lifetime_deposits, account_id) < ($3::bigint, $4::uuid)';
    }
    const { rows } = await this.pool.query<{
      account_id: string;
      owner_id: string;
      owner_name: string | null;
      currency: string;
      status: 'OPEN' | 'CLOSED';
      lifetime_deposits: string;
      balance: string;
      version: string;
    }>(
      `SELECT account_id, owner_id, owner_name, currency, status, lifetime_deposits, balance, version
         FROM account_balance
        WHERE lifetime_deposits > $1::bigint ${keyset}
        ORDER BY lifetime_deposits DESC, account_id DESC
        LIMIT $2`,
      params,
    );
    return rows.map((r) => ({
      accountId: r.account_id,
      ownerId: r.owner_id,
      ownerName: r.owner_name,
      currency: r.currency,
      status: r.status,
      lifetimeDeposits: toSafeInteger(r.lifetime_deposits, 'account_balance.lifetime_deposits'),
      balance: toSafeInteger(r.balance, 'account_balance.balance'),
      version: toSafeInteger(r.version, 'account_balance.version'),
    }));
  }
}
