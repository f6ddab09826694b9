import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { JsonLogger } from '@cqrs-bank/platform';
import { QueryServiceConfig } from '../../query-service.config.js';
import {
  ProjectionNotifications,
  type AnnouncedRow,
  type ProjectionChange,
} from '../../read-your-writes/projection-notifications.js';
import { AccountReadModelsRepository, type AccountRead } from '../account-read-models.repository.js';

interface Entry {
  /** Replaced, never changed in place: what is derived from a row object (its JSON) stays true. */
  read: AccountRead;
  loadedAt: number;
  /** Answered from since it was last loaded: worth reading again before it expires. */
  inUse: boolean;
}

/** Most rows one background read asks for. */
const REFRESH_CHUNK = 1000;

/**
 * The account rows GET /balance answers from, kept in memory so a hot
 * account costs no Postgres round trip. Only as fresh as a read would be:
 *
 * - The projector announces, in the transaction that changes them, which
 *   accounts changed (PROJECTION_CHANNEL), with the part of each row the
 *   batch can change (version, balance, status, update time): an entry older
 *   than the announced row is brought up to it when the notification arrives
 *   — as soon as a new read could see the change — and one announced without
 *   its row is dropped. Announced rows come in commit order, so a row in
 *   memory only ever moves forward; one not in memory is not added (the rest
 *   of its row, currency and owner, comes from a read).
 * - A row read while a change to it was being announced is not kept: each
 *   load takes a mark when it starts, and a row is stored only if no
 *   notification for it (or for "any") came since.
 * - Without the LISTEN connection nothing is served from or put in the cache
 *   (a change could pass unheard); after it reconnects everything is dropped.
 * - Entries neither read nor brought up to date by a notification for
 *   BALANCE_CACHE_MAX_AGE_MS are read again: a bound on staleness even if
 *   notifications stopped without the connection noticing. Rows answered
 *   from since their last read are read again in the background once half
 *   that age, many in one query (under the same rule as any read), so a row
 *   in use does not expire and its readers never wait for Postgres.
 * - `read(…, minVersion)` answers from memory only a row at minVersion or
 *   later. The read-your-writes path first asks for any fresh row (a row
 *   short of the version waited for says "wait", and costs no query), then,
 *   once the version is announced, for the row at that version — by then
 *   usually brought up to it in memory.
 */
@Injectable()
export class BalanceCache implements OnModuleInit, OnModuleDestroy {
  private readonly entries = new Map<string, Entry>();
  private unsubscribe?: () => void;
  private refresher?: NodeJS.Timeout;
  private refreshing = false;

  constructor(
    private readonly projection: ProjectionNotifications,
    private readonly readModels: AccountReadModelsRepository,
    private readonly config: QueryServiceConfig,
    private readonly logger: JsonLogger,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.projection.subscribe((change, rows) => this.changed(change, rows));
    if (this.config.BALANCE_CACHE_SIZE > 0) {
      const every = Math.max(25, this.config.BALANCE_CACHE_MAX_AGE_MS / 4);
      this.refresher = setInterval(() => void this.refresh(), every).unref();
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.refresher);
    this.unsubscribe?.();
  }

  /** The cached row when it is fresh (and at `minVersion`), else the one read from Postgres, kept when it may be. */
  async read(accountId: string, minVersion: number | undefined): Promise<AccountRead | undefined> {
    const cached = this.fresh(accountId, minVersion);
    if (cached) return cached;
    if (this.config.BALANCE_CACHE_SIZE === 0 || !this.projection.listening) {
      return this.readModels.account(accountId);
    }
    const now = Date.now();
    const startedAt = this.projection.mark();
    const read = await this.readModels.account(accountId);
    if (read && this.projection.listening && !this.projection.announcedSince(accountId, startedAt)) {
      this.keep(accountId, read, now);
    }
    return read;
  }

  /**
   * Reads again, in one query per REFRESH_CHUNK rows, every row answered from
   * since its last read that is half BALANCE_CACHE_MAX_AGE_MS old. Run by a
   * timer every quarter of that age (public for tests); one run at a time.
   */
  async refresh(): Promise<void> {
    if (this.refreshing || !this.projection.listening) return;
    const now = Date.now();
    const due: string[] = [];
    for (const [accountId, entry] of this.entries) {
      if (entry.inUse && now - entry.loadedAt >= this.config.BALANCE_CACHE_MAX_AGE_MS / 2)
        due.push(accountId);
    }
    if (due.length === 0) return;
    this.refreshing = true;
    try {
      for (let i = 0; i < due.length; i += REFRESH_CHUNK) {
        const chunk = due.slice(i, i + REFRESH_CHUNK);
        const readAt = Date.now();
        const startedAt = this.projection.mark();
        const reads = await this.readModels.accounts(chunk);
        if (!this.projection.listening) return;
        for (const accountId of chunk) {
          // Gone from memory meanwhile, or changed since the read began: as for any read, not kept.
          if (!this.entries.has(accountId) || this.projection.announcedSince(accountId, startedAt)) continue;
          // Keys are ids as asked for (any case); the read answers them in lower case.
          const read = reads.get(accountId.toLowerCase());
          if (read) this.keep(accountId, read, readAt);
          else this.entries.delete(accountId);
        }
      }
    } catch (err) {
      // The rows are left to expire and be read on demand; the next run tries again.
      this.logger.warn(
        { msg: 'balance cache refresh failed', rows: due.length, error: (err as Error).message },
        'BalanceCache',
      );
    } finally {
      this.refreshing = false;
    }
  }

  /** The cached row when it is fresh (and at `minVersion`): what `read` would answer without reading. */
  fresh(accountId: string, minVersion: number | undefined): AccountRead | undefined {
    if (this.config.BALANCE_CACHE_SIZE === 0 || !this.projection.listening) return undefined;
    const hit = this.entries.get(accountId);
    if (
      hit &&
      Date.now() - hit.loadedAt < this.config.BALANCE_CACHE_MAX_AGE_MS &&
      hit.read.account.version >= (minVersion ?? 0)
    ) {
      hit.inUse = true;
      return hit.read;
    }
    return undefined;
  }

  private keep(accountId: string, read: AccountRead, readAt: number): void {
    // Map order is insertion order: re-inserting makes it the newest, the first is the oldest.
    this.entries.delete(accountId);
    if (this.entries.size >= this.config.BALANCE_CACHE_SIZE)
      this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(accountId, { read, loadedAt: readAt, inUse: false });
  }

  /** Entries held right now (for tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }

  private changed(change: ProjectionChange, rows: ReadonlyMap<string, AnnouncedRow>): void {
    if (change === 'any') {
      this.entries.clear();
      return;
    }
    const now = Date.now();
    for (const accountId of change) {
      const entry = this.entries.get(accountId);
      if (!entry) continue;
      const row = rows.get(accountId);
      if (!row) {
        this.entries.delete(accountId);
        continue;
      }
      const { account } = entry.read;
      // Not newer: the entry was read after that commit, and is already as fresh.
      if (row.version <= account.version) continue;
      entry.read = {
        ...entry.read,
        account: {
          ...account,
          version: row.version,
          balance: row.balance,
          status: row.status ?? account.status,
          updatedAt: row.updatedAt,
        },
      };
      // The notification shows the connection carries changes: as fresh as a read now.
      entry.loadedAt = now;
    }
  }
}
