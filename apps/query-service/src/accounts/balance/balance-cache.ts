import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { QueryServiceConfig } from '../../query-service.config.js';
import {
  ProjectionNotifications,
  type AnnouncedRow,
  type ProjectionChange,
} from '../../read-your-writes/projection-notifications.js';
import type { AccountRead } from '../account-read-models.repository.js';

interface Entry {
  read: AccountRead;
  loadedAt: number;
}

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
 *   notifications stopped without the connection noticing.
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

  constructor(
    private readonly projection: ProjectionNotifications,
    private readonly config: QueryServiceConfig,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.projection.subscribe((change, rows) => this.changed(change, rows));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** The cached row when it is fresh (and at `minVersion`), else `load()`'s, kept when it may be. */
  async read(
    accountId: string,
    minVersion: number | undefined,
    load: () => Promise<AccountRead | undefined>,
  ): Promise<AccountRead | undefined> {
    const cached = this.fresh(accountId, minVersion);
    if (cached) return cached;
    const size = this.config.BALANCE_CACHE_SIZE;
    if (size === 0 || !this.projection.listening) return load();
    const now = Date.now();
    const startedAt = this.projection.mark();
    const read = await load();
    if (read && this.projection.listening && !this.projection.announcedSince(accountId, startedAt)) {
      // Map order is insertion order: re-inserting makes it the newest, the first is the oldest.
      this.entries.delete(accountId);
      if (this.entries.size >= size) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(accountId, { read, loadedAt: now });
    }
    return read;
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
      return hit.read;
    }
    return undefined;
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
