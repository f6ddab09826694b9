import { Injectable } from '@nestjs/common';
import { canActOnOwner, ProblemError, type Actor } from '@cqrs-bank/platform';
import { QueryServiceConfig } from '../query-service.config.js';
import { projectionLagging } from '../read-your-writes/min-version.js';
import { VersionWaiter } from '../read-your-writes/version-waiter.js';
import type { AccountRead } from './account-read-models.repository.js';

export function accountNotFound(accountId: string): ProblemError {
  return new ProblemError('ACCOUNT_NOT_FOUND', `Account ${accountId} not found`);
}

/**
 * How every account route reads: run the route's query; with a minVersion the
 * read model has not reached yet, wait for it and run the query again; then
 * answer only what the caller may see. The query is told the version its
 * answer must reach: none the first time (the reader compares the version
 * itself), minVersion once the wait says the read model got there — a route
 * that answers from memory (GET /balance) reads Postgres only if its memory
 * is short of it.
 *
 * - A customer asking for someone else's account gets 404 ACCOUNT_NOT_FOUND,
 *   exactly as for a missing one (SPEC §5).
 * - With minVersion, a missing (or someone else's) account is waited for like
 *   a lagging one — it may be about to be projected — and ends in 503
 *   PROJECTION_LAGGING, never a quick 404 that would tell the two apart.
 */
@Injectable()
export class AccountReader {
  constructor(
    private readonly waiter: VersionWaiter,
    private readonly config: QueryServiceConfig,
  ) {}

  async read<R extends AccountRead>(
    actor: Actor,
    accountId: string,
    minVersion: number | undefined,
    query: (atLeast: number | undefined) => Promise<R | undefined>,
  ): Promise<R> {
    const visible = (ownerId: string) => canActOnOwner(actor, ownerId);
    // Before the read: a change announced after it is one the read may have missed.
    const mark = this.waiter.mark();
    let found = await query(undefined);
    if (minVersion !== undefined) {
      const reached = found && visible(found.account.ownerId) && found.account.version >= minVersion;
      if (!reached) {
        const waited = await this.waiter.waitFor(
          accountId,
          minVersion,
          visible,
          mark,
          found?.account.ownerId,
        );
        if (!waited) throw projectionLagging(accountId, minVersion, this.config.MIN_VERSION_WAIT_MS);
        found = await query(minVersion);
      }
    }
    if (!found || !visible(found.account.ownerId)) throw accountNotFound(accountId);
    return found;
  }
}
