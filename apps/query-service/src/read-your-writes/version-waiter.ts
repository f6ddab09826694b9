import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { JsonLogger, MetricsRegistry } from '@cqrs-bank/platform';
import { Counter } from 'prom-client';
import { QueryServiceConfig } from '../query-service.config.js';
import { AccountVersionsRepository, type AccountVersion } from './account-versions.repository.js';
import {
  ProjectionNotifications,
  type AnnouncedRow,
  type NotificationMark,
  type ProjectionChange,
} from './projection-notifications.js';

/** Recheck every account waited on this often while notifications cannot be trusted (not listening). */
export const POLL_INTERVAL_MS = 50;
/** ...and this often while they can: only a safety net then. */
export const LISTENING_POLL_INTERVAL_MS = 1000;

interface Waiter {
  accountId: string;
  minVersion: number;
  visible: (ownerId: string) => boolean;
  /** The account's owner, when the caller's read found the row (an account never changes owner). */
  ownerId?: string;
  resolve: (reached: boolean) => void;
  timer: NodeJS.Timeout;
}

/**
 * Read-your-writes (SPEC §4): parks requests until their account's read model
 * reaches a version. Waiting costs no connection and no query until the
 * projector announces a change of the account waited on: each notification
 * names the accounts its batch changed, and only those of them anyone waits
 * for are read — in ONE query, at most one at a time (announcements that
 * arrive meanwhile join the next round). Not even that when the notification
 * carries the account's row (its version) and the waiter knows the owner
 * from its own read: the request is settled from the notification, or keeps
 * waiting when the row is still short of its version. A notification that names no
 * account ('any': a rebuild swap, an erasure, a reconnect) and the poll read
 * every account waited on; the poll runs every POLL_INTERVAL_MS while the
 * LISTEN connection is down, every LISTENING_POLL_INTERVAL_MS otherwise.
 *
 * A change announced between a caller's read and its waitFor would otherwise
 * be missed until the poll: the caller takes a `mark()` before reading, and
 * waitFor reads at once only when its account was announced since.
 */
@Injectable()
export class VersionWaiter implements OnModuleInit, OnApplicationShutdown {
  private readonly waiting = new Set<Waiter>();
  private readonly outcomes: Counter<'outcome'>;
  private poll?: NodeJS.Timeout;
  private lastFullCheck = 0;
  private checking = false;
  /** Accounts to read in the next round; 'all': every account waited on. */
  private due: Set<string> | 'all' = new Set();
  private stopped = false;
  private unsubscribe?: () => void;
  private lastErrorLoggedAt = 0;

  constructor(
    private readonly versions: AccountVersionsRepository,
    private readonly notifications: ProjectionNotifications,
    private readonly config: QueryServiceConfig,
    private readonly logger: JsonLogger,
    metrics: MetricsRegistry,
  ) {
    this.outcomes = new Counter({
      name: 'query_min_version_waits_total',
      help: 'Read-your-writes requests that waited for the projection, by outcome (reached or lagging)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
  }

  onModuleInit(): void {
    this.unsubscribe = this.notifications.subscribe((change, rows) => this.heard(change, rows));
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.unsubscribe?.();
    for (const waiter of [...this.waiting]) this.settle(waiter, false);
  }

  /** Where the notifications stand now: take it before the read that may lead to waitFor. */
  mark(): NotificationMark {
    return this.notifications.mark();
  }

  /**
   * Resolves true as soon as the account's read model is at `minVersion` or
   * later and `visible` accepts its owner; false after MIN_VERSION_WAIT_MS.
   * An account the caller may not see never qualifies, so it times out
   * exactly like one that does not exist yet. `since`: the mark taken before
   * the caller's own read (omitted: the account is read at once); `ownerId`:
   * the owner that read found, if it found the account.
   */
  waitFor(
    accountId: string,
    minVersion: number,
    visible: (ownerId: string) => boolean,
    since?: NotificationMark,
    ownerId?: string,
  ): Promise<boolean> {
    const waitMs = this.config.MIN_VERSION_WAIT_MS;
    if (this.stopped || waitMs === 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        accountId,
        minVersion,
        visible,
        ownerId,
        resolve,
        timer: setTimeout(() => this.settle(waiter, false), waitMs),
      };
      this.waiting.add(waiter);
      if (!this.poll) {
        this.poll = setInterval(() => this.polled(), POLL_INTERVAL_MS).unref();
        this.lastFullCheck = Date.now();
      }
      if (since === undefined || this.notifications.announcedSince(accountId, since)) this.check([accountId]);
    });
  }

  /** Waiters right now (for tests and diagnostics). */
  get size(): number {
    return this.waiting.size;
  }

  private heard(change: ProjectionChange, rows: ReadonlyMap<string, AnnouncedRow>): void {
    if (this.waiting.size === 0) return;
    if (change === 'any') return this.check('all');
    const announced = new Set(change);
    const toRead: string[] = [];
    for (const waiter of [...this.waiting]) {
      if (!announced.has(waiter.accountId)) continue;
      const row = rows.get(waiter.accountId);
      if (!row || waiter.ownerId === undefined) toRead.push(waiter.accountId);
      else if (row.version >= waiter.minVersion && waiter.visible(waiter.ownerId)) this.settle(waiter, true);
    }
    if (toRead.length > 0) this.check(toRead);
  }

  private polled(): void {
    const interval = this.notifications.listening ? LISTENING_POLL_INTERVAL_MS : POLL_INTERVAL_MS;
    if (Date.now() - this.lastFullCheck >= interval - POLL_INTERVAL_MS / 2) this.check('all');
  }

  private settle(waiter: Waiter, reached: boolean): void {
    if (!this.waiting.delete(waiter)) return;
    clearTimeout(waiter.timer);
    if (this.waiting.size === 0 && this.poll) {
      clearInterval(this.poll);
      this.poll = undefined;
    }
    this.outcomes.inc({ outcome: reached ? 'reached' : 'lagging' });
    waiter.resolve(reached);
  }

  private check(accounts: string[] | 'all'): void {
    if (this.waiting.size === 0) return;
    if (accounts === 'all') this.due = 'all';
    else if (this.due !== 'all') for (const id of accounts) this.due.add(id);
    // A round in progress takes these in its next pass.
    if (this.checking) return;
    this.checking = true;
    void this.checkRounds().finally(() => {
      this.checking = false;
    });
  }

  private async checkRounds(): Promise<void> {
    while (this.waiting.size > 0) {
      const due = this.due;
      if (due !== 'all' && due.size === 0) return;
      this.due = new Set();
      const waitedOn = new Set(Array.from(this.waiting, (w) => w.accountId));
      const accountIds = due === 'all' ? [...waitedOn] : [...due].filter((id) => waitedOn.has(id));
      if (due === 'all') this.lastFullCheck = Date.now();
      if (accountIds.length === 0) continue;
      let versions: Map<string, AccountVersion>;
      try {
        versions = await this.versions.versions(accountIds);
      } catch (err) {
        // The next poll tick reads every account waited on again (lastFullCheck = 0);
        // say so once in a while rather than 20 times a second.
        if (Date.now() - this.lastErrorLoggedAt > 10_000) {
          this.lastErrorLoggedAt = Date.now();
          this.logger.warn(
            { msg: 'cannot read projection versions; retrying', error: String(err) },
            'VersionWaiter',
          );
        }
        this.lastFullCheck = 0;
        return;
      }
      for (const waiter of [...this.waiting]) {
        const current = versions.get(waiter.accountId);
        if (current && current.version >= waiter.minVersion && waiter.visible(current.ownerId)) {
          this.settle(waiter, true);
        }
      }
    }
  }
}
