import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { READ_MODEL_POOL } from '../read-models/read-model-pool.js';
import { toSafeInteger } from '../read-models/sql.js';

export interface AccountVersion {
  ownerId: string;
  version: number;
}

/** How far the projection of each account has got: account_balance.version. */
@Injectable()
export class AccountVersionsRepository {
  constructor(@Inject(READ_MODEL_POOL) private readonly pool: pg.Pool) {}

  /** One query for every account waited on; absent accounts are absent from the map. */
  async versions(accountIds: string[]): Promise<Map<string, AccountVersion>> {
    const { rows } = await this.pool.query<{ account_id: string; owner_id: string; version: string }>({
      name: 'qs_account_versions',
      text: 'SELECT account_id, owner_id, version FROM account_balance WHERE account_id = ANY($1::uuid[])',
      values: [accountIds],
    });
    return new Map(
      rows.map((r) => [r.account_id, { ownerId: r.owner_id, version: toSafeInteger(r.version, 'version') }]),
    );
  }
}
