import { describe, expect, it, jest } from '@jest/globals';
import type { QueryServiceConfig } from '../../query-service.config.js';
import {
  AnnouncementLog,
  type AnnouncedRow,
  type ProjectionChange,
  type ProjectionListener,
  type ProjectionNotifications,
} from '../../read-your-writes/projection-notifications.js';
import type { JsonLogger } from '@cqrs-bank/platform';
import type { AccountRead, AccountReadModelsRepository } from '../account-read-models.repository.js';
import { BalanceCache } from './balance-cache.js';

/** A cache over an in-memory account_balance, with notifications the test sends itself. */
function setup(config: Partial<QueryServiceConfig> = {}) {
  const table = new Map<string, number>();
  const reads: string[] = [];
  const bulkReads: string[][] = [];
  const warnings: unknown[] = [];
  let listener: ProjectionListener = () => undefined;
  const announcements = new AnnouncementLog();
  const projection = {
    listening: true,
    subscribe: (l: ProjectionListener) => {
      listener = l;
      return () => undefined;
    },
    mark: () => announcements.mark,
    announcedSince: (accountId: string, mark: number) => announcements.since(accountId, mark),
  };
  const notify = (c: ProjectionChange, rows: ReadonlyMap<string, AnnouncedRow> = new Map()) => {
    announcements.record(c);
    listener(c, rows);
  };
  const readOf = (accountId: string) => {
    const version = table.get(accountId);
    return version === undefined ? undefined : { account: row(accountId, version) };
  };
  const fake = {
    /** Runs inside each read once its rows are taken: whatever happens while a read is in flight. */
    during: undefined as (() => void) | undefined,
    /** Makes the background reads fail. */
    failing: false,
  };
  const readModels = {
    account: async (accountId: string): Promise<AccountRead | undefined> => {
      reads.push(accountId);
      const read = readOf(accountId.toLowerCase());
      fake.during?.();
      return read;
    },
    accounts: async (accountIds: readonly string[]): Promise<Map<string, AccountRead>> => {
      bulkReads.push([...accountIds]);
      if (fake.failing) throw new Error('connection terminated');
      const found = new Map<string, AccountRead>();
      for (const id of accountIds) {
        const read = readOf(id.toLowerCase());
        if (read) found.set(id.toLowerCase(), read);
      }
      fake.during?.();
      return found;
    },
  };
  const cache = new BalanceCache(
    projection as unknown as ProjectionNotifications,
    readModels as unknown as AccountReadModelsRepository,
    {
      BALANCE_CACHE_SIZE: 100,
      BALANCE_CACHE_MAX_AGE_MS: 60_000,
      ...config,
    } as QueryServiceConfig,
    { warn: (entry: unknown) => warnings.push(entry) } as unknown as JsonLogger,
  );
  cache.onModuleInit();
  const version = async (accountId: string, minVersion?: number) =>
    (await cache.read(accountId, minVersion))?.account.version;
  return { cache, table, reads, bulkReads, warnings, projection, fake, version, notify };
}

function row(accountId: string, version: number): AccountRead['account'] {
  return {
    accountId,
    ownerId: 'owner',
    ownerName: null,
    currency: 'EUR',
    status: 'OPEN',
    balance: version * 10,
    version,
    openedAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

describe('BalanceCache', () => {
  it('answers a second read of an account from memory', async () => {
    const { table, reads, version } = setup();
    table.set('a', 1);
    expect(await version('a')).toBe(1);
    expect(await version('a')).toBe(1);
    expect(reads).toEqual(['a']);
  });

  it('reads an account again once the projector announced a change to it, and only that one', async () => {
    const { table, reads, version, notify } = setup();
    table.set('a', 1).set('b', 1);
    await version('a');
    await version('b');
    table.set('a', 2);
    notify(['a']);
    expect(await version('a')).toBe(2);
    expect(await version('b')).toBe(1);
    expect(reads).toEqual(['a', 'b', 'a']);
  });

  it('forgets everything when any account may have changed', async () => {
    const { table, reads, version, notify } = setup();
    table.set('a', 1).set('b', 1);
    await version('a');
    await version('b');
    notify('any');
    await version('a');
    await version('b');
    expect(reads).toEqual(['a', 'b', 'a', 'b']);
  });

  it('does not keep a row read while a change to it was announced', async () => {
    const { table, reads, notify, version, fake } = setup();
    table.set('a', 1);
    // The read's snapshot is older than the change announced before it returned.
    fake.during = () => {
      fake.during = undefined;
      table.set('a', 2);
      notify(['a']);
    };
    expect(await version('a')).toBe(1);
    expect(await version('a')).toBe(2);
    expect(reads).toEqual(['a', 'a']);
  });

  it('keeps a row read while another account changed', async () => {
    const { table, reads, notify, version, fake } = setup();
    table.set('a', 1);
    fake.during = () => notify(['b']);
    await version('a');
    expect(await version('a')).toBe(1);
    expect(reads).toEqual(['a']);
  });

  describe('rows announced with the notification', () => {
    const announced = (accountId: string, row: Partial<AnnouncedRow> & { version: number }) =>
      new Map([[accountId, { balance: 0, updatedAt: '2026-12-04T10:00:00.123000Z', ...row }]]);

    it('brings the row in memory up to the announced one without reading it', async () => {
      const { cache, table, reads, version, notify } = setup();
      table.set('a', 1);
      expect(await version('a')).toBe(1);
      notify(['a'], announced('a', { version: 3, balance: 70, updatedAt: '2026-12-04T10:00:00.123000Z' }));
      expect((await cache.read('a', 3))?.account).toEqual({
        ...row('a', 1),
        version: 3,
        balance: 70,
        updatedAt: '2026-12-04T10:00:00.123000Z',
      });
      notify(['a'], announced('a', { version: 4, balance: 0, status: 'CLOSED' }));
      expect((await cache.read('a', 4))?.account).toMatchObject({
        version: 4,
        balance: 0,
        status: 'CLOSED',
      });
      expect(reads).toEqual(['a']);
    });

    it('keeps a row in memory that is as new as the announced one or newer', async () => {
      const { cache, table, reads, notify } = setup();
      table.set('a', 5);
      await cache.read('a', undefined);
      notify(['a'], announced('a', { version: 4, balance: 1 }));
      notify(['a'], announced('a', { version: 5, balance: 1 }));
      expect((await cache.read('a', undefined))?.account).toEqual(row('a', 5));
      expect(reads).toEqual(['a']);
    });

    it('adds no row it never read (currency and owner come from Postgres)', async () => {
      const { cache, table, reads, version, notify } = setup();
      notify(['a'], announced('a', { version: 2 }));
      expect(cache.size).toBe(0);
      table.set('a', 2);
      expect(await version('a')).toBe(2);
      expect(reads).toEqual(['a']);
    });

    it('answers a row short of minVersion from Postgres', async () => {
      const { table, reads, version, notify } = setup();
      table.set('a', 1);
      await version('a');
      notify(['a'], announced('a', { version: 2 }));
      table.set('a', 3);
      expect(await version('a', 3)).toBe(3);
      expect(reads).toEqual(['a', 'a']);
    });

    it('counts an announced row as fresh as a read: BALANCE_CACHE_MAX_AGE_MS starts again', async () => {
      jest.useFakeTimers({ now: new Date('2026-11-23T10:00:00Z') });
      try {
        const { table, reads, version, notify } = setup({ BALANCE_CACHE_MAX_AGE_MS: 1000 });
        table.set('a', 1);
        await version('a');
        jest.setSystemTime(new Date('2026-11-23T10:00:00.900Z'));
        notify(['a'], announced('a', { version: 2 }));
        jest.setSystemTime(new Date('2026-11-23T10:00:01.800Z'));
        expect(await version('a')).toBe(2);
        expect(reads).toEqual(['a']);
      } finally {
        jest.useRealTimers();
      }
    });
  });

  it('neither serves nor keeps rows while it cannot hear the projector', async () => {
    const { table, reads, version, projection } = setup();
    table.set('a', 1);
    await version('a');
    projection.listening = false;
    table.set('a', 2);
    expect(await version('a')).toBe(2);
    expect(await version('a')).toBe(2);
    expect(reads).toEqual(['a', 'a', 'a']);
  });

  it('reads again when the cached version is below the minVersion asked for', async () => {
    const { table, reads, version } = setup();
    table.set('a', 1);
    await version('a');
    table.set('a', 2);
    expect(await version('a', 2)).toBe(2);
    expect(await version('a', 2)).toBe(2);
    expect(reads).toEqual(['a', 'a']);
  });

  it('reads a row again once it is older than BALANCE_CACHE_MAX_AGE_MS', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-23T10:00:00Z') });
    try {
      const { table, reads, version } = setup({ BALANCE_CACHE_MAX_AGE_MS: 1000 });
      table.set('a', 1);
      await version('a');
      jest.setSystemTime(new Date('2026-11-23T10:00:00.999Z'));
      await version('a');
      jest.setSystemTime(new Date('2026-11-23T10:00:01Z'));
      await version('a');
      expect(reads).toEqual(['a', 'a']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('holds at most BALANCE_CACHE_SIZE rows, forgetting the one read from Postgres longest ago', async () => {
    const { cache, table, reads, version } = setup({ BALANCE_CACHE_SIZE: 2 });
    table.set('a', 1).set('b', 1).set('c', 1);
    await version('a');
    await version('b');
    await version('c');
    expect(cache.size).toBe(2);
    await version('b');
    await version('c');
    await version('a');
    expect(reads).toEqual(['a', 'b', 'c', 'a']);
  });

  it('is off with BALANCE_CACHE_SIZE=0', async () => {
    const { table, reads, version } = setup({ BALANCE_CACHE_SIZE: 0 });
    table.set('a', 1);
    await version('a');
    await version('a');
    expect(reads).toEqual(['a', 'a']);
  });

  it('answers from memory without reading exactly the rows read() would (fresh)', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-23T10:00:00Z') });
    try {
      const { cache, table, reads, version, projection } = setup({ BALANCE_CACHE_MAX_AGE_MS: 1000 });
      table.set('a', 2);
      expect(cache.fresh('a', undefined)).toBeUndefined();
      await version('a');
      expect(cache.fresh('a', undefined)?.account.version).toBe(2);
      expect(cache.fresh('a', 2)?.account.version).toBe(2);
      expect(cache.fresh('a', 3)).toBeUndefined();
      projection.listening = false;
      expect(cache.fresh('a', undefined)).toBeUndefined();
      projection.listening = true;
      jest.setSystemTime(new Date('2026-11-23T10:00:01Z'));
      expect(cache.fresh('a', undefined)).toBeUndefined();
      expect(reads).toEqual(['a']);
    } finally {
      jest.useRealTimers();
    }
  });

  describe('background reads of rows in use', () => {
    const at = (ms: number) => jest.setSystemTime(new Date(Date.parse('2026-11-23T10:00:00Z') + ms));
    const inFakeTime = (test: () => Promise<void>) => async () => {
      jest.useFakeTimers({ now: new Date('2026-11-23T10:00:00Z') });
      try {
        await test();
      } finally {
        jest.useRealTimers();
      }
    };

    it(
      'reads the rows answered from since their last read again, together, once half BALANCE_CACHE_MAX_AGE_MS old',
      inFakeTime(async () => {
        const { cache, table, reads, bulkReads, version } = setup({ BALANCE_CACHE_MAX_AGE_MS: 1000 });
        table.set('a', 1).set('b', 1).set('c', 1);
        for (const id of ['a', 'b', 'c']) await version(id);
        at(100);
        await version('a');
        await version('b');
        at(499);
        await cache.refresh();
        expect(bulkReads).toEqual([]);
        at(500);
        table.set('a', 2);
        await cache.refresh();
        expect(bulkReads).toEqual([['a', 'b']]);
        // Past the first reads' max age: a and b are as fresh as the background read, c is read again.
        at(1200);
        expect(await version('a')).toBe(2);
        expect(await version('b')).toBe(1);
        expect(await version('c')).toBe(1);
        expect(reads).toEqual(['a', 'b', 'c', 'c']);
        // a and b were answered from again, c only read: c is not read in the background.
        at(1300);
        await cache.refresh();
        expect(bulkReads).toEqual([
          ['a', 'b'],
          ['a', 'b'],
        ]);
      }),
    );

    it(
      'keeps no row from a background read during which a change to it was announced',
      inFakeTime(async () => {
        const { cache, table, reads, version, notify, fake } = setup({ BALANCE_CACHE_MAX_AGE_MS: 1000 });
        table.set('a', 1);
        await version('a');
        await version('a');
        at(600);
        fake.during = () => {
          fake.during = undefined;
          table.set('a', 3);
          notify(
            ['a'],
            new Map([['a', { version: 3, balance: 30, updatedAt: '2026-11-23T10:00:00.600000Z' }]]),
          );
        };
        await cache.refresh();
        expect(await version('a')).toBe(3);
        expect(reads).toEqual(['a']);
      }),
    );

    it(
      'forgets a row the background read no longer finds, and reads ids asked for in capitals',
      inFakeTime(async () => {
        const { cache, table, reads, bulkReads, version } = setup({ BALANCE_CACHE_MAX_AGE_MS: 1000 });
        table.set('a', 1).set('b', 1);
        await version('A');
        await version('A');
        await version('b');
        await version('b');
        at(500);
        table.set('a', 2).delete('b');
        await cache.refresh();
        expect(bulkReads).toEqual([['A', 'b']]);
        expect(cache.size).toBe(1);
        expect(await version('A')).toBe(2);
        expect(reads).toEqual(['A', 'b']);
      }),
    );

    it(
      'logs a failed background read and leaves the rows to expire',
      inFakeTime(async () => {
        const { cache, table, reads, warnings, version, fake } = setup({ BALANCE_CACHE_MAX_AGE_MS: 1000 });
        table.set('a', 1);
        await version('a');
        await version('a');
        at(500);
        fake.failing = true;
        await cache.refresh();
        expect(warnings).toEqual([expect.objectContaining({ msg: 'balance cache refresh failed', rows: 1 })]);
        at(1000);
        await version('a');
        expect(reads).toEqual(['a', 'a']);
      }),
    );

    it(
      'reads nothing in the background while it cannot hear the projector',
      inFakeTime(async () => {
        const { cache, table, bulkReads, version, projection } = setup({ BALANCE_CACHE_MAX_AGE_MS: 1000 });
        table.set('a', 1);
        await version('a');
        await version('a');
        at(500);
        projection.listening = false;
        await cache.refresh();
        expect(bulkReads).toEqual([]);
      }),
    );

    it(
      'runs on a timer every quarter of BALANCE_CACHE_MAX_AGE_MS',
      inFakeTime(async () => {
        const { table, bulkReads, version } = setup({ BALANCE_CACHE_MAX_AGE_MS: 1000 });
        table.set('a', 1);
        await version('a');
        await version('a');
        await jest.advanceTimersByTimeAsync(499);
        expect(bulkReads).toEqual([]);
        await jest.advanceTimersByTimeAsync(1);
        expect(bulkReads).toEqual([['a']]);
      }),
    );
  });

  it('keeps no missing account', async () => {
    const { reads, version } = setup();
    expect(await version('nope')).toBeUndefined();
    expect(await version('nope')).toBeUndefined();
    expect(reads).toEqual(['nope', 'nope']);
  });
});
