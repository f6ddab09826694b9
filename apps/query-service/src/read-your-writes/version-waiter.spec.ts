import { describe, expect, it, jest } from '@jest/globals';
import { MetricsRegistry, type JsonLogger } from '@cqrs-bank/platform';
import type { QueryServiceConfig } from '../query-service.config.js';
import type { AccountVersion, AccountVersionsRepository } from './account-versions.repository.js';
import {
  AnnouncementLog,
  type AnnouncedRow,
  type ProjectionChange,
  type ProjectionListener,
  type ProjectionNotifications,
} from './projection-notifications.js';
import { VersionWaiter } from './version-waiter.js';

/** A waiter over an in-memory account_balance, with a NOTIFY the test fires itself. */
function setup(waitMs = 300, { listening = false } = {}) {
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
  let listener: ProjectionListener = () => undefined;
  const announcements = new AnnouncementLog();
  const notifications = {
    subscribe: (l: ProjectionListener) => {
      listener = l;
      return () => undefined;
    },
    listening,
    mark: () => announcements.mark,
    announcedSince: (accountId: string, mark: number) => announcements.since(accountId, mark),
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
    notify: (change: ProjectionChange = 'any', rows: ReadonlyMap<string, AnnouncedRow> = new Map()) => {
      announcements.record(change);
      listener(change, rows);
    },
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

  it('reads only the announced accounts someone waits for', async () => {
    const { waiter, table, queries, notify } = setup(1000, { listening: true });
    const since = waiter.mark();
    const a = waiter.waitFor('a', 1, everyone, since);
    const b = waiter.waitFor('b', 1, everyone, since);
    await new Promise((r) => setTimeout(r, 20));
    expect(queries).toEqual([]);
    notify(['x', 'y']);
    await new Promise((r) => setTimeout(r, 20));
    expect(queries).toEqual([]);
    table.set('a', { ownerId: 'o', version: 1 });
    table.set('b', { ownerId: 'o', version: 1 });
    notify(['x', 'a']);
    await expect(a).resolves.toBe(true);
    expect(queries).toEqual([['a']]);
    expect(waiter.size).toBe(1);
    notify(['b']);
    await expect(b).resolves.toBe(true);
    expect(queries).toEqual([['a'], ['b']]);
  });

  it('reads at once an account announced between the mark and waitFor, and no other', async () => {
    const { waiter, table, queries, notify } = setup(1000, { listening: true });
    const since = waiter.mark();
    table.set('a', { ownerId: 'o', version: 3 });
    notify(['a']);
    await expect(waiter.waitFor('a', 3, everyone, since)).resolves.toBe(true);
    expect(queries).toEqual([['a']]);
    const later = waiter.waitFor('b', 1, everyone, since);
    await new Promise((r) => setTimeout(r, 20));
    expect(queries).toEqual([['a']]);
    table.set('b', { ownerId: 'o', version: 1 });
    notify(['b']);
    await expect(later).resolves.toBe(true);
  });

  it('reads every account waited on when a notification names none', async () => {
    const { waiter, table, queries, notify } = setup(1000, { listening: true });
    const since = waiter.mark();
    const all = Promise.all(['a', 'b'].map((id) => waiter.waitFor(id, 1, everyone, since)));
    await new Promise((r) => setTimeout(r, 20));
    table.set('a', { ownerId: 'o', version: 1 });
    table.set('b', { ownerId: 'o', version: 1 });
    notify('any');
    await expect(all).resolves.toEqual([true, true]);
    expect(queries.map((q) => [...q].sort())).toEqual([['a', 'b']]);
  });

  it('an announcement while no one waits still counts for a read that began before it', async () => {
    const { waiter, table, queries, notify } = setup(1000, { listening: true });
    const since = waiter.mark();
    table.set('a', { ownerId: 'o', version: 2 });
    notify('any');
    await expect(waiter.waitFor('a', 2, everyone, since)).resolves.toBe(true);
    expect(queries).toEqual([['a']]);
  });

  it('while listening, finds a change nobody announced by the slow poll', async () => {
    const { waiter, table, queries } = setup(3000, { listening: true });
    const since = waiter.mark();
    const waiting = waiter.waitFor('a', 1, everyone, since);
    table.set('a', { ownerId: 'o', version: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(queries).toEqual([]);
    await expect(waiting).resolves.toBe(true);
    expect(queries).toEqual([['a']]);
  });

  describe('with the row in the notification', () => {
    const announced = (version: number) => new Map([['a', { version, balance: 0, updatedAt: 'now' }]]);
    const tick = () => new Promise((r) => setTimeout(r, 20));

    it('settles a waiter whose owner it knows without a query', async () => {
      const { waiter, queries, notify } = setup(1000, { listening: true });
      const waiting = waiter.waitFor('a', 3, everyone, waiter.mark(), 'o');
      notify(['a'], announced(3));
      await expect(waiting).resolves.toBe(true);
      expect(queries).toEqual([]);
    });

    it('keeps waiting, without a query, while the announced row is short of the version', async () => {
      const { waiter, queries, notify } = setup(1000, { listening: true });
      const waiting = waiter.waitFor('a', 3, everyone, waiter.mark(), 'o');
      notify(['a'], announced(2));
      await tick();
      expect({ queries, parked: waiter.size }).toEqual({ queries: [], parked: 1 });
      notify(['a'], announced(4));
      await expect(waiting).resolves.toBe(true);
      expect(queries).toEqual([]);
    });

    it('reads the account when its owner is unknown (the first read found no row)', async () => {
      const { waiter, table, queries, notify } = setup(1000, { listening: true });
      const waiting = waiter.waitFor('a', 1, everyone, waiter.mark());
      table.set('a', { ownerId: 'o', version: 1 });
      notify(['a'], announced(1));
      await expect(waiting).resolves.toBe(true);
      expect(queries).toEqual([['a']]);
    });

    it('does not let a row the caller may not see settle the wait', async () => {
      const { waiter, queries, notify } = setup(150, { listening: true });
      const waiting = waiter.waitFor('a', 1, (owner) => owner === 'me', waiter.mark(), 'someone-else');
      notify(['a'], announced(5));
      await expect(waiting).resolves.toBe(false);
      expect(queries).toEqual([]);
    });
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
