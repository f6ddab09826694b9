import { Injectable } from '@nestjs/common';
import type { Actor } from '@cqrs-bank/platform';
import type { AccountRead } from '../account-read-models.repository.js';
import { AccountReader } from '../account-reader.js';
import { BalanceCache } from './balance-cache.js';

/**
 * How GET /balance reads, whichever door the request came in by
 * (BalanceController or BalanceFastPath): AccountReader's rules (minVersion's
 * wait, 404 for what the caller may not see, 503 when the wait runs out)
 * over the BalanceCache.
 */
@Injectable()
export class BalanceReader {
  constructor(
    private readonly reader: AccountReader,
    private readonly cache: BalanceCache,
  ) {}

  read(actor: Actor, accountId: string, minVersion: number | undefined): Promise<AccountRead> {
    return this.reader.read(actor, accountId, minVersion, (atLeast) => this.cache.read(accountId, atLeast));
  }
}
