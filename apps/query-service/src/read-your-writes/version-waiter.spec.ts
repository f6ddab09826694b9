import { describe, expect, it, jest } from '@jest/globals';
import { MetricsRegistry, type JsonLogger } from '@cqrs-bank/platform';
import type { QueryServiceConfig } from '../query-service.config.js';
import type { AccountVersion, AccountVersionsRepository } from './account-versions.repository.js';
import type { ProjectionNotifications } from './projection-notifications.js';
import { VersionWaiter } from './version-waiter.js';

/** A waiter over an in-memory account_balance, with a NOTIFY the test fires itself. */
function setup(waitMs = 300) {
  const table = new Map<string, AccountVersion>();
  const queries: string[][] = [];
  let failNext = 0;
  const versions = {
    versions: async (ids: string[]) => {
      queries.push(ids);
      if (failNext > 0) {
        failNext--;
        throw new Error('connection refused');
      }
      return new Map([...table].filter(([id]) => ids.includes(id)));
    },
  } as unknown as AccountVersionsRepository;
  let listener: () => void = () => undefined;
  const notifications = {
    subscribe: (l: () => void) => {
      listener = l;
      return () => undefined;
    },
  } as unknown as ProjectionNotifications;
  const logger = { warn: jest.fn() } as unknown as JsonLogger;
  const metrics = new MetricsRegistry();
  const waiter = new VersionWaiter(
    versions,
    notifications,
    { MIN_VERSION_WAIT_MS: waitMs } as QueryServiceConfig,
    logger,
    metrics,
  );
  waiter.onModuleInit();
  return {
    waiter,
    table,
    queries,
    notify: () => listener(),
    failNextQueries: (n: number) => (failNext = n),
    metrics: () => metrics.registry.metrics(),
  };
}

const everyone = () => true;

describe('VersionWaiter', () => {
  it('resolves true once the projection reaches the version', async () => {
    const { waiter, table, notify } = setup();
    table.set('a', { ownerId: 'o', version: 1 });
    const waiting = waiter.waitFor('a', 2, everyone);
    await new Promise((r) => setTimeout(r, 20));
    expect(waiter.size).toBe(1);
    table.set('a', { ownerId: 'o', version: 2 });
    notify();
    await expect(waiting).resolves.toBe(true);
    expect(waiter.size).toBe(0);
  });

  it('resolves false after the bounded wait, and counts it as lagging', async () => {
    const { waiter, table, metrics } = setup(150);
    table.set('a', { ownerId: 'o', version: 1 });
    const started = Date.now();
    await expect(waiter.waitFor('a', 2, everyone)).resolves.toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(await metrics()).toMatch(/query_min_version_waits_total\{outcome="lagging"[^}]*\} 1/);
  });

  it('never lets an account the caller may not see qualify', async () => {
    const { waiter, table } = setup(150);
    table.set('a', { ownerId: 'someone-else', version: 9 });
    await expect(waiter.waitFor('a', 1, (owner) => owner === 'me')).resolves.toBe(false);
  });

  it('waits for an account that does not exist yet', async () => {
    const { waiter, table, notify } = setup();
    const waiting = waiter.waitFor('new', 1, everyone);
    table.set('new', { ownerId: 'o', version: 1 });
    notify();
    await expect(waiting).resolves.toBe(true);
  });

  it('checks every account waited on in one query per round', async () => {
    const { waiter, table, queries, notify } = setup(1000);
    const ids = Array.from({ length: 20 }, (_, i) => `acc-${i}`);
    const all = Promise.all(ids.map((id) => waiter.waitFor(id, 1, everyone)));
    await new Promise((r) => setTimeout(r, 20));
    for (const id of ids) table.set(id, { ownerId: 'o', version: 1 });
    const before = queries.length;
    notify();
    await expect(all).resolves.toEqual(ids.map(() => true));
    expect(queries.length - before).toBeLessThanOrEqual(2);
    expect(queries.at(-1)!.sort()).toEqual([...ids].sort());
  });

  it('keeps polling when a lookup fails', async () => {
    const { waiter, table, failNextQueries } = setup(1000);
    failNextQueries(3);
    table.set('a', { ownerId: 'o', version: 5 });
    await expect(waiter.waitFor('a', 5, everyone)).resolves.toBe(true);
  });

  it('answers every waiter at shutdown instead of holding the process', async () => {
    const { waiter } = setup(10_000);
    const waiting = waiter.waitFor('a', 1, everyone);
    waiter.onApplicationShutdown();
    await expect(waiting).resolves.toBe(false);
    await expect(waiter.waitFor('a', 1, everyone)).resolves.toBe(false);
  });
});
