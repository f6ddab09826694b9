import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { JsonLogger, MetricsRegistry } from '@cqrs-bank/platform';
import { Counter } from 'prom-client';
import { QueryServiceConfig } from '../query-service.config.js';
import { AccountVersionsRepository, type AccountVersion } from './account-versions.repository.js';
import { ProjectionNotifications } from './projection-notifications.js';

/** Recheck this often while anyone waits, so a missed notification costs little. */
export const POLL_INTERVAL_MS = 50;

interface Waiter {
  accountId: string;
  minVersion: number;
  visible: (ownerId: string) => boolean;
  resolve: (reached: boolean) => void;
  timer: NodeJS.Timeout;
}

/**
 * Read-your-writes (SPEC §4): parks requests until their account's read model
 * reaches a version. Waiting costs no connection: every notification from the
 * projector (and every POLL_INTERVAL_MS as a fallback) runs ONE query for all
 * the accounts waited on, and at most one such query runs at a time.
 */
@Injectable()
export class VersionWaiter implements OnModuleInit, OnApplicationShutdown {
  private readonly waiting = new Set<Waiter>();
  private readonly outcomes: Counter<'outcome'>;
  private poll?: NodeJS.Timeout;
  private checking = false;
  private checkAgain = false;
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
    this.unsubscribe = this.notifications.subscribe(() => this.check());
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.unsubscribe?.();
    for (const waiter of [...this.waiting]) this.settle(waiter, false);
  }

  /**
   * Resolves true as soon as the account's read model is at `minVersion` or
   * later and `visible` accepts its owner; false after MIN_VERSION_WAIT_MS.
   * An account the caller may not see never qualifies, so it times out
   * exactly like one that does not exist yet.
   */
  waitFor(accountId: string, minVersion: number, visible: (ownerId: string) => boolean): Promise<boolean> {
    const waitMs = this.config.MIN_VERSION_WAIT_MS;
    if (this.stopped || waitMs === 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        accountId,
        minVersion,
        visible,
        resolve,
        timer: setTimeout(() => this.settle(waiter, false), waitMs),
      };
      this.waiting.add(waiter);
      this.poll ??= setInterval(() => this.check(), POLL_INTERVAL_MS).unref();
      this.check();
    });
  }

  /** Waiters right now (for tests and diagnostics). */
  get size(): number {
    return this.waiting.size;
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

  private check(): void {
    if (this.waiting.size === 0) return;
    if (this.checking) {
      // Coalesce: one more round after the current one sees this change too.
      this.checkAgain = true;
      return;
    }
    this.checking = true;
    void this.checkRounds().finally(() => {
      this.checking = false;
    });
  }

  private async checkRounds(): Promise<void> {
    do {
      this.checkAgain = false;
      const accountIds = [...new Set([...this.waiting].map((w) => w.accountId))];
      let versions: Map<string, AccountVersion>;
      try {
        versions = await this.versions.versions(accountIds);
      } catch (err) {
        // The poll retries; say so once in a while rather than 20 times a second.
        if (Date.now() - this.lastErrorLoggedAt > 10_000) {
          this.lastErrorLoggedAt = Date.now();
          this.logger.warn(
            { msg: 'cannot read projection versions; retrying', error: String(err) },
            'VersionWaiter',
          );
        }
        return;
      }
      for (const waiter of [...this.waiting]) {
        const current = versions.get(waiter.accountId);
        if (current && current.version >= waiter.minVersion && waiter.visible(current.ownerId)) {
          this.settle(waiter, true);
        }
      }
    } while (this.checkAgain && this.waiting.size > 0);
  }
}
