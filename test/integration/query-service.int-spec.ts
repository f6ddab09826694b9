import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { projectionNotices } from '../../apps/projector/src/projections/projection-notice.js';
import { QueryServiceModule } from '../../apps/query-service/src/query-service.module.js';
import { ProjectionNotifications } from '../../apps/query-service/src/read-your-writes/projection-notifications.js';
import {
  LISTENING_POLL_INTERVAL_MS,
  VersionWaiter,
} from '../../apps/query-service/src/read-your-writes/version-waiter.js';
import { call, type ApiResponse } from '../support/api.js';
import { testPool } from '../support/database.js';
import { eventually, fastPathAnswers, startApp, type RunningApp } from '../support/http.js';
import {
  notifyProjectionApplied,
  seedAccount,
  seedMonthlySummary,
  seedTransactions,
  seedTransfer,
} from '../support/read-models.js';
import { bearer, TEST_JWT_SECRET } from '../support/tokens.js';

type Body = Record<string, unknown>;
type Transaction = {
  version: number;
  eventId: string;
  kind: string;
  balanceAfter: number;
  transferId?: string;
};
type TransactionsPage = {
  accountId: string;
  version: number;
  transactions: Transaction[];
  nextCursor: string | null;
};
type VipPage = {
  threshold: number;
  accounts: { accountId: string; lifetimeDeposits: number }[];
  nextCursor: string | null;
};

const WAIT_MS = 1500;
const CACHE_MAX_AGE_MS = 1000;
// Far above anything other suites' accounts deposit: the VIP list here holds only this file's accounts.
const VIP_THRESHOLD = 900_000_000_000_000;

describe('query-service', () => {
  let app: RunningApp;
  let db: pg.Pool;
  const alice = `cust-${randomUUID()}`;
  const bob = `cust-${randomUUID()}`;
  const asAlice = bearer(alice);
  const asBob = bearer(bob);
  const asTeller = bearer('teller-1', ['teller']);

  beforeAll(async () => {
    process.env.JWT_SECRET = TEST_JWT_SECRET;
    process.env.VIP_THRESHOLD = String(VIP_THRESHOLD);
    process.env.MIN_VERSION_WAIT_MS = String(WAIT_MS);
    process.env.BALANCE_CACHE_MAX_AGE_MS = String(CACHE_MAX_AGE_MS);
    app = await startApp(QueryServiceModule);
    db = testPool();
  });
  afterAll(async () => {
    delete process.env.VIP_THRESHOLD;
    delete process.env.MIN_VERSION_WAIT_MS;
    delete process.env.BALANCE_CACHE_MAX_AGE_MS;
    await app.close();
    await db.end();
  });

  const get = <T = Body>(path: string, headers: Record<string, string> = asAlice) =>
    call<T>(app.url, 'GET', path, { headers });

  const expectProblem = (res: ApiResponse, status: number, code: string) => {
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  };

  describe('GET /balance', () => {
    it("answers the owner's balance with currency, version and update time", async () => {
      const accountId = await seedAccount(db, {
        ownerId: alice,
        balance: 12_345,
        version: 4,
        updatedAt: '2025-02-03T04:05:06.789012Z',
      });
      const res = await get(`/balance?accountId=${accountId}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        accountId,
        balance: 12_345,
        currency: 'EUR',
        version: 4,
        updatedAt: '2025-02-03T04:05:06.789012Z',
      });
    });

    it('refuses a request without a token with 401', async () => {
      const accountId = await seedAccount(db, { ownerId: alice });
      const res = await call(app.url, 'GET', `/balance?accountId=${accountId}`);
      expectProblem(res, 401, 'UNAUTHENTICATED');
    });

    it("answers another customer's account exactly like a missing one (404)", async () => {
      const accountId = await seedAccount(db, { ownerId: alice });
      const foreign = await get(`/balance?accountId=${accountId}`, asBob);
      const missing = await get(`/balance?accountId=${randomUUID()}`, asBob);
      expectProblem(foreign, 404, 'ACCOUNT_NOT_FOUND');
      expectProblem(missing, 404, 'ACCOUNT_NOT_FOUND');
      expect(Object.keys(foreign.body).sort()).toEqual(Object.keys(missing.body).sort());
      expect(foreign.body.title).toBe(missing.body.title);
    });

    it('lets a teller and an admin read any account', async () => {
      const accountId = await seedAccount(db, { ownerId: alice, balance: 7 });
      for (const staff of [asTeller, bearer('admin-1', ['admin'])]) {
        const res = await get(`/balance?accountId=${accountId}`, staff);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ accountId, balance: 7 });
      }
    });
  });

  describe('GET /accounts/:id', () => {
    it('answers the summary with owner, status, balance, version and timestamps', async () => {
      const accountId = await seedAccount(db, {
        ownerId: alice,
        ownerName: 'Alice Example',
        currency: 'JPY',
        status: 'CLOSED',
        balance: 0,
        version: 9,
        openedAt: '2024-12-31T23:00:00-02:00',
        updatedAt: '2025-01-05T10:00:00Z',
      });
      const res = await get(`/accounts/${accountId}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        accountId,
        ownerId: alice,
        ownerName: 'Alice Example',
        currency: 'JPY',
        status: 'CLOSED',
        balance: 0,
        version: 9,
        openedAt: '2025-01-01T01:00:00.000000Z',
        updatedAt: '2025-01-05T10:00:00.000000Z',
      });
    });

    it('shows an erased owner name as "[erased]"', async () => {
      const accountId = await seedAccount(db, { ownerId: alice, ownerName: null });
      const res = await get(`/accounts/${accountId}`);
      expect(res.status).toBe(200);
      expect(res.body.ownerName).toBe('[erased]');
    });

    it("hides another customer's account (404) but shows it to a teller", async () => {
      const accountId = await seedAccount(db, { ownerId: alice });
      expectProblem(await get(`/accounts/${accountId}`, asBob), 404, 'ACCOUNT_NOT_FOUND');
      expect((await get(`/accounts/${accountId}`, asTeller)).status).toBe(200);
      expectProblem(await get(`/accounts/${accountId}`, {}), 401, 'UNAUTHENTICATED');
    });
  });

  describe('GET /accounts/:id/transactions', () => {
    const seedHistory = async (movements = 7) => {
      const accountId = await seedAccount(db, { ownerId: alice, version: movements + 1 });
      // Version 1 is the opening; versions 2..n+1 each deposit 100.
      await seedTransactions(
        db,
        accountId,
        Array.from({ length: movements }, (_, i) => ({
          version: i + 2,
          kind: 'DEPOSIT' as const,
          amount: 100,
          balanceAfter: 100 * (i + 1),
          occurredAt: new Date(Date.UTC(2025, 0, 2, 0, i)).toISOString(),
        })),
      );
      return accountId;
    };

    it('lists movements newest first with their balance after, and the account version', async () => {
      const accountId = await seedAccount(db, { ownerId: alice, balance: 150, version: 4 });
      const transferId = randomUUID();
      const eventIds = [randomUUID(), randomUUID(), randomUUID()];
      await seedTransactions(db, accountId, [
        {
          version: 2,
          kind: 'DEPOSIT',
          amount: 200,
          balanceAfter: 200,
          occurredAt: '2025-01-02T10:00:00.123456Z',
          eventId: eventIds[0],
        },
        {
          version: 3,
          kind: 'WITHDRAWAL',
          amount: 80,
          balanceAfter: 120,
          occurredAt: '2025-01-03T10:00:00Z',
          transferId,
          eventId: eventIds[1],
        },
        {
          version: 4,
          kind: 'DEPOSIT',
          amount: 30,
          balanceAfter: 150,
          occurredAt: '2025-01-04T10:00:00Z',
          eventId: eventIds[2],
        },
      ]);
      const res = await get<TransactionsPage>(`/accounts/${accountId}/transactions`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        accountId,
        version: 4,
        nextCursor: null,
        transactions: [
          {
            version: 4,
            eventId: eventIds[2],
            kind: 'DEPOSIT',
            amount: 30,
            balanceAfter: 150,
            occurredAt: '2025-01-04T10:00:00.000000Z',
          },
          {
            version: 3,
            eventId: eventIds[1],
            kind: 'WITHDRAWAL',
            amount: 80,
            balanceAfter: 120,
            transferId,
            occurredAt: '2025-01-03T10:00:00.000000Z',
          },
          {
            version: 2,
            eventId: eventIds[0],
            kind: 'DEPOSIT',
            amount: 200,
            balanceAfter: 200,
            occurredAt: '2025-01-02T10:00:00.123456Z',
          },
        ],
      });
    });

    it('pages through the whole history without repeating or losing an entry', async () => {
      const accountId = await seedHistory(7);
      const seen: number[] = [];
      const pageSizes: number[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `limit=3&cursor=${cursor}` : 'limit=3';
        const res: ApiResponse<TransactionsPage> = await get<TransactionsPage>(
          `/accounts/${accountId}/transactions?${query}`,
        );
        expect(res.status).toBe(200);
        expect(res.body.version).toBe(8);
        pageSizes.push(res.body.transactions.length);
        seen.push(...res.body.transactions.map((t) => t.version));
        cursor = res.body.nextCursor;
        if (cursor !== null) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      } while (cursor !== null);
      expect(pageSizes).toEqual([3, 3, 1]);
      expect(seen).toEqual([8, 7, 6, 5, 4, 3, 2]);
    });

    it('ends with nextCursor null when the last page is exactly full', async () => {
      const accountId = await seedHistory(4);
      const first = await get<TransactionsPage>(`/accounts/${accountId}/transactions?limit=2`);
      const second = await get<TransactionsPage>(
        `/accounts/${accountId}/transactions?limit=2&cursor=${first.body.nextCursor}`,
      );
      expect(second.body.transactions.map((t) => t.version)).toEqual([3, 2]);
      expect(second.body.nextCursor).toBeNull();
    });

    it('uses 50 entries per page by default', async () => {
      const accountId = await seedHistory(52);
      const res = await get<TransactionsPage>(`/accounts/${accountId}/transactions`);
      expect(res.body.transactions).toHaveLength(50);
      expect(res.body.nextCursor).not.toBeNull();
    });

    it('answers an account without movements with an empty list', async () => {
      const accountId = await seedAccount(db, { ownerId: alice });
      const res = await get<TransactionsPage>(`/accounts/${accountId}/transactions`);
      expect(res.body).toEqual({ accountId, version: 1, transactions: [], nextCursor: null });
    });

    it("hides another customer's history", async () => {
      const accountId = await seedHistory(2);
      expectProblem(await get(`/accounts/${accountId}/transactions`, asBob), 404, 'ACCOUNT_NOT_FOUND');
      expect((await get(`/accounts/${accountId}/transactions`, asTeller)).status).toBe(200);
    });
  });

  describe('GET /accounts/:id/balance?at= (time travel)', () => {
    let accountId: string;
    beforeAll(async () => {
      accountId = await seedAccount(db, {
        ownerId: alice,
        currency: 'USD',
        balance: 250,
        version: 4,
        openedAt: '2025-03-01T09:00:00Z',
      });
      await seedTransactions(db, accountId, [
        { version: 2, kind: 'DEPOSIT', amount: 500, balanceAfter: 500, occurredAt: '2025-03-01T10:00:00Z' },
        {
          version: 3,
          kind: 'WITHDRAWAL',
          amount: 200,
          balanceAfter: 300,
          occurredAt: '2025-03-05T12:30:00.123456Z',
        },
        { version: 4, kind: 'WITHDRAWAL', amount: 50, balanceAfter: 250, occurredAt: '2025-03-10T08:00:00Z' },
      ]);
    });
    const at = (instant: string) => get(`/accounts/${accountId}/balance?at=${encodeURIComponent(instant)}`);

    it.each([
      ['2025-03-01T10:00:00Z', 500, 2, '2025-03-01T10:00:00.000000Z'],
      ['2025-03-03T00:00:00Z', 500, 2, '2025-03-03T00:00:00.000000Z'],
      ['2025-03-05T12:30:00.123455Z', 500, 2, '2025-03-05T12:30:00.123455Z'],
      ['2025-03-05T12:30:00.123456Z', 300, 3, '2025-03-05T12:30:00.123456Z'],
      ['2025-03-05T14:30:00.123456+02:00', 300, 3, '2025-03-05T12:30:00.123456Z'],
      ['2025-03-09T23:59:59.999999Z', 300, 3, '2025-03-09T23:59:59.999999Z'],
      ['2025-03-10T08:00:00Z', 250, 4, '2025-03-10T08:00:00.000000Z'],
      ['2030-01-01T00:00:00Z', 250, 4, '2030-01-01T00:00:00.000000Z'],
    ])('at %s the balance was %d (version %d)', async (instant, balance, version, utc) => {
      const res = await at(instant);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ accountId, at: utc, balance, currency: 'USD', version });
    });

    it('accepts an instant without seconds', async () => {
      expect((await at('2025-03-05T14:30+02:00')).body).toMatchObject({
        at: '2025-03-05T12:30:00.000000Z',
        balance: 500,
      });
    });

    it('answers 0 at version 0 after the opening but before the first movement', async () => {
      const res = await at('2025-03-01T09:30:00Z');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ balance: 0, version: 0, currency: 'USD' });
    });

    it('answers 404 for an instant before the account was opened', async () => {
      const res = await at('2025-03-01T08:59:59Z');
      expectProblem(res, 404, 'ACCOUNT_NOT_FOUND');
      expect(res.body.detail).toMatch(/not open yet/);
    });

    it("hides another customer's history", async () => {
      expectProblem(
        await get(`/accounts/${accountId}/balance?at=2025-03-03T00:00:00Z`, asBob),
        404,
        'ACCOUNT_NOT_FOUND',
      );
    });
  });

  describe('GET /accounts/:id/monthly-summary', () => {
    it("answers the month's deposits and withdrawals", async () => {
      const accountId = await seedAccount(db, { ownerId: alice, currency: 'GBP', version: 6 });
      await seedMonthlySummary(db, accountId, '2025-02', {
        depositsTotal: 1_000,
        depositsCount: 3,
        withdrawalsTotal: 400,
        withdrawalsCount: 2,
      });
      await seedMonthlySummary(db, accountId, '2025-03', {
        depositsTotal: 5,
        depositsCount: 1,
        withdrawalsTotal: 0,
        withdrawalsCount: 0,
      });
      const res = await get(`/accounts/${accountId}/monthly-summary?month=2025-02`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        accountId,
        month: '2025-02',
        currency: 'GBP',
        depositsTotal: 1_000,
        depositsCount: 3,
        withdrawalsTotal: 400,
        withdrawalsCount: 2,
        version: 6,
      });
    });

    it('answers zeros for a month without movements', async () => {
      const accountId = await seedAccount(db, { ownerId: alice });
      const res = await get(`/accounts/${accountId}/monthly-summary?month=2024-07`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        month: '2024-07',
        depositsTotal: 0,
        depositsCount: 0,
        withdrawalsTotal: 0,
        withdrawalsCount: 0,
      });
    });

    it("hides another customer's summary", async () => {
      const accountId = await seedAccount(db, { ownerId: alice });
      expectProblem(
        await get(`/accounts/${accountId}/monthly-summary?month=2025-01`, asBob),
        404,
        'ACCOUNT_NOT_FOUND',
      );
    });
  });

  describe('GET /reports/vip', () => {
    const vips: string[] = [];
    let belowThreshold: string;
    let atThreshold: string;
    beforeAll(async () => {
      // Lifetime deposits: two share the second place (tie broken by account id).
      for (const deposits of [
        VIP_THRESHOLD + 500,
        VIP_THRESHOLD + 900,
        VIP_THRESHOLD + 500,
        VIP_THRESHOLD + 1,
      ]) {
        vips.push(await seedAccount(db, { ownerId: `cust-${randomUUID()}`, lifetimeDeposits: deposits }));
      }
      belowThreshold = await seedAccount(db, { ownerId: bob, lifetimeDeposits: VIP_THRESHOLD - 1 });
      atThreshold = await seedAccount(db, { ownerId: bob, lifetimeDeposits: VIP_THRESHOLD });
    });

    const readAll = async (limit: number) => {
      const all: VipPage['accounts'] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
        const res: ApiResponse<VipPage> = await get<VipPage>(`/reports/vip?${query}`, asTeller);
        expect(res.status).toBe(200);
        expect(res.body.threshold).toBe(VIP_THRESHOLD);
        all.push(...res.body.accounts);
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor !== null && pages < 100);
      return all;
    };

    it('lists the accounts above the threshold, highest lifetime deposits first, across pages', async () => {
      const all = await readAll(2);
      const ids = all.map((a) => a.accountId);
      expect(new Set(ids).size).toBe(ids.length);
      const ours = all.filter((a) => vips.includes(a.accountId));
      const tied = [vips[0], vips[2]].sort().reverse();
      expect(ours.map((a) => a.accountId)).toEqual([vips[1], ...tied, vips[3]]);
      expect(ours.map((a) => a.lifetimeDeposits)).toEqual([
        VIP_THRESHOLD + 900,
        VIP_THRESHOLD + 500,
        VIP_THRESHOLD + 500,
        VIP_THRESHOLD + 1,
      ]);
      expect(ids).not.toContain(belowThreshold);
      expect(ids).not.toContain(atThreshold);
      for (let i = 1; i < all.length; i++) {
        expect(all[i].lifetimeDeposits).toBeLessThanOrEqual(all[i - 1].lifetimeDeposits);
      }
    });

    it('gives the same list whatever the page size', async () => {
      expect(await readAll(1)).toEqual(await readAll(200));
    });

    it('describes each account', async () => {
      const res = await get<VipPage>('/reports/vip?limit=200', asTeller);
      expect(res.body.accounts.find((a) => a.accountId === vips[1])).toEqual({
        accountId: vips[1],
        ownerId: expect.stringMatching(/^cust-/),
        ownerName: 'Alice Example',
        currency: 'EUR',
        status: 'OPEN',
        lifetimeDeposits: VIP_THRESHOLD + 900,
        balance: 0,
        version: 1,
      });
    });

    it('is for staff only: a customer gets 403', async () => {
      expectProblem(await get('/reports/vip', asAlice), 403, 'FORBIDDEN');
      expect((await get('/reports/vip', bearer('admin-1', ['admin']))).status).toBe(200);
    });
  });

  describe('GET /transfers/:id', () => {
    it('answers the status to the owners of either account and to staff, 404 to anyone else', async () => {
      const carol = `cust-${randomUUID()}`;
      const from = await seedAccount(db, { ownerId: alice });
      const to = await seedAccount(db, { ownerId: carol });
      const transferId = await seedTransfer(db, {
        fromAccountId: from,
        toAccountId: to,
        amount: 4_200,
        status: 'COMPLETED',
        updatedAt: '2025-04-01T12:00:00Z',
      });
      const expected = {
        transferId,
        fromAccountId: from,
        toAccountId: to,
        amount: 4_200,
        currency: 'EUR',
        status: 'COMPLETED',
        reason: null,
        updatedAt: '2025-04-01T12:00:00.000000Z',
      };
      for (const caller of [asAlice, bearer(carol), asTeller]) {
        const res = await get(`/transfers/${transferId}`, caller);
        expect(res.status).toBe(200);
        expect(res.body).toEqual(expected);
      }
      expectProblem(await get(`/transfers/${transferId}`, asBob), 404, 'TRANSFER_NOT_FOUND');
      expectProblem(await get(`/transfers/${randomUUID()}`, asTeller), 404, 'TRANSFER_NOT_FOUND');
      expectProblem(await get(`/transfers/${transferId}`, {}), 401, 'UNAUTHENTICATED');
    });

    it('carries the reason of a failed transfer', async () => {
      const from = await seedAccount(db, { ownerId: alice });
      const transferId = await seedTransfer(db, {
        fromAccountId: from,
        toAccountId: randomUUID(),
        amount: 1,
        status: 'FAILED',
        reason: 'TARGET_ACCOUNT_NOT_FOUND',
      });
      const res = await get(`/transfers/${transferId}`);
      expect(res.body).toMatchObject({ status: 'FAILED', reason: 'TARGET_ACCOUNT_NOT_FOUND' });
    });
  });

  describe('read-your-writes (?minVersion= / X-Min-Version)', () => {
    const waiter = () => app.app.get(VersionWaiter);
    /** Resolves once `n` requests are parked in the waiter. */
    const parked = async (n = 1) =>
      expect(await eventually(async () => waiter().size >= n, 2000, 5)).toBe(true);
    /**
     * The projector's batch: update the row and NOTIFY, in one transaction —
     * announcing the row as the projector does (apps/projector
     * projection-notice.ts), naming the account alone (as projectors before
     * that did), or naming none ("any account may have changed").
     */
    const project = async (
      accountId: string,
      version: number,
      balance: number,
      announce: 'row' | 'account' | 'any' = 'any',
      { write = true, updatedAt = new Date() } = {},
    ) => {
      const payload = {
        row: () => projectionNotices([{ accountId, version, balance: BigInt(balance), updatedAt }])[0],
        account: () => accountId,
        any: () => '',
      }[announce]();
      const client = await db.connect();
      try {
        await client.query('BEGIN');
        if (write) {
          await client.query(
            'UPDATE account_balance SET version = $2, balance = $3, updated_at = $4 WHERE account_id = $1',
            [accountId, version, balance, updatedAt],
          );
        }
        await client.query("SELECT pg_notify('account_projection_applied', $1)", [payload]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    };

    const listenerBackends = async () =>
      (
        await db.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
            WHERE application_name = 'query-service:notifications' AND query ILIKE 'LISTEN %' AND datname = current_database()`,
        )
      ).rows.map((r) => r.pid);
    /** Resolves when the app hears the next NOTIFY account_projection_applied. */
    const nextNotification = () =>
      new Promise<void>((resolve) => {
        const unsubscribe = app.app.get(ProjectionNotifications).subscribe(() => {
          unsubscribe();
          resolve();
        });
      });

    it('hears projector notifications on one dedicated connection, and gets it back when it drops', async () => {
      expect(await eventually(async () => (await listenerBackends()).length === 1, 5000, 50)).toBe(true);
      let heard = nextNotification();
      await notifyProjectionApplied(db);
      await heard;

      const [pid] = await listenerBackends();
      await db.query('SELECT pg_terminate_backend($1)', [pid]);
      const back = await eventually(
        async () => {
          const pids = await listenerBackends();
          return pids.length === 1 && pids[0] !== pid;
        },
        5000,
        50,
      );
      expect(back).toBe(true);
      heard = nextNotification();
      await notifyProjectionApplied(db);
      await heard;
    });

    it('answers at once when the read model is already at or past minVersion', async () => {
      const accountId = await seedAccount(db, { ownerId: alice, version: 5 });
      const started = Date.now();
      const res = await get(`/accounts/${accountId}?minVersion=5`);
      expect(res.status).toBe(200);
      expect(res.body.version).toBe(5);
      expect((await get(`/balance?accountId=${accountId}&minVersion=3`)).body.version).toBe(5);
      expect(Date.now() - started).toBeLessThan(WAIT_MS / 2);
    });

    it('waits for the projection, then answers with the new version', async () => {
      const accountId = await seedAccount(db, { ownerId: alice, version: 2, balance: 100 });
      const started = Date.now();
      const pending = get(`/accounts/${accountId}?minVersion=3`);
      await parked();
      await project(accountId, 3, 150);
      const res = await pending;
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ accountId, version: 3, balance: 150 });
      expect(Date.now() - started).toBeLessThan(WAIT_MS);
    });

    it('wakes a waiting read when a notification names its account, not another one', async () => {
      const accountId = await seedAccount(db, { ownerId: alice, version: 2, balance: 100 });
      const other = await seedAccount(db, { ownerId: alice, version: 1 });
      let answered = false;
      const pending = get(`/balance?accountId=${accountId}&minVersion=3`).finally(() => (answered = true));
      await parked();
      await project(other, 2, 0, 'account');
      await new Promise((r) => setTimeout(r, 100));
      expect({ answered, parked: waiter().size }).toEqual({ answered: false, parked: 1 });
      const announced = Date.now();
      await project(accountId, 3, 150, 'account');
      const res = await pending;
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ accountId, version: 3, balance: 150 });
      // Woken by the notification, not by the safety-net poll (once a second while listening).
      expect(Date.now() - announced).toBeLessThan(LISTENING_POLL_INTERVAL_MS / 2);
    });

    it('accepts the version in the X-Min-Version header too, on every account route', async () => {
      const accountId = await seedAccount(db, { ownerId: alice, version: 1 });
      const headers = { ...asAlice, 'x-min-version': '2' };
      const pending = Promise.all([
        call(app.url, 'GET', `/balance?accountId=${accountId}`, { headers }),
        call(app.url, 'GET', `/accounts/${accountId}/transactions`, { headers }),
        call(app.url, 'GET', `/accounts/${accountId}/balance?at=2030-01-01T00:00:00Z`, { headers }),
        call(app.url, 'GET', `/accounts/${accountId}/monthly-summary?month=2025-01`, { headers }),
      ]);
      await parked(4);
      await project(accountId, 2, 0);
      const answers = await pending;
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      expect(answers[0].body.version).toBe(2);
      expect(answers[1].body.version).toBe(2);
      expect(answers[3].body.version).toBe(2);
    });

    it('answers 503 PROJECTION_LAGGING with Retry-After when the version is not reached in time', async () => {
      const accountId = await seedAccount(db, { ownerId: alice, version: 2 });
      const started = Date.now();
      const res = await get(`/accounts/${accountId}?minVersion=3`);
      expectProblem(res, 503, 'PROJECTION_LAGGING');
      expect(res.headers.get('retry-after')).toBe('1');
      expect(Date.now() - started).toBeGreaterThanOrEqual(WAIT_MS - 50);
    });

    it('waits for an account that is not projected yet, and answers once it is', async () => {
      const accountId = randomUUID();
      const pending = get(`/accounts/${accountId}?minVersion=1`);
      await parked();
      await seedAccount(db, { accountId, ownerId: alice, version: 1 });
      await notifyProjectionApplied(db);
      const res = await pending;
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ accountId, version: 1 });
    });

    it('answers 503 for a still-missing account awaited with minVersion, 404 without', async () => {
      const accountId = randomUUID();
      expectProblem(await get(`/accounts/${accountId}?minVersion=1`), 503, 'PROJECTION_LAGGING');
      expectProblem(await get(`/accounts/${accountId}`), 404, 'ACCOUNT_NOT_FOUND');
    });

    it("treats another customer's account like a missing one, so minVersion cannot probe for it", async () => {
      const accountId = await seedAccount(db, { ownerId: alice, version: 3 });
      const res = await get(`/accounts/${accountId}?minVersion=1`, asBob);
      expectProblem(res, 503, 'PROJECTION_LAGGING');
      expect(res.body.detail).not.toContain('version 3');
    });

    describe('GET /balance from memory (BalanceCache)', () => {
      const notifications = () => app.app.get(ProjectionNotifications);
      const balanceOf = async (accountId: string) => (await get(`/balance?accountId=${accountId}`)).body;
      const projectAnnounced = (accountId: string, version: number, balance: number) =>
        project(accountId, version, balance, 'account');
      const unannounced = (accountId: string, version: number) =>
        db.query('UPDATE account_balance SET version = $2 WHERE account_id = $1', [accountId, version]);

      beforeAll(async () => {
        expect(await eventually(async () => notifications().listening, 5000, 20)).toBe(true);
      });

      it('answers from memory: a change nobody announced shows only once the row aged out', async () => {
        const accountId = await seedAccount(db, { ownerId: alice, version: 1 });
        expect(await balanceOf(accountId)).toMatchObject({ version: 1 });
        await unannounced(accountId, 2);
        expect(await balanceOf(accountId)).toMatchObject({ version: 1 });
        expect(
          await eventually(async () => (await balanceOf(accountId)).version === 2, CACHE_MAX_AGE_MS * 3, 50),
        ).toBe(true);
      });

      it('keeps a row in use fresh in the background: an unannounced change shows, every read from memory', async () => {
        const accountId = await seedAccount(db, { ownerId: alice, version: 1 });
        expect(await balanceOf(accountId)).toMatchObject({ version: 1 });
        const answeredBefore = await fastPathAnswers(app.url);
        await unannounced(accountId, 2);
        let reads = 0;
        let version = 1;
        for (const deadline = Date.now() + CACHE_MAX_AGE_MS * 3; version !== 2 && Date.now() < deadline;) {
          version = (await balanceOf(accountId)).version as number;
          reads++;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(version).toBe(2);
        // Read again before it aged out: no read waited for Postgres (each answered by the fast path).
        expect((await fastPathAnswers(app.url)) - answeredBefore).toBe(reads);
      });

      it('answers a change the projector announced as soon as the announcement arrives', async () => {
        const accountId = await seedAccount(db, { ownerId: alice, version: 1, balance: 100 });
        const other = await seedAccount(db, { ownerId: alice, version: 1, balance: 7 });
        expect(await balanceOf(accountId)).toMatchObject({ version: 1, balance: 100 });
        expect(await balanceOf(other)).toMatchObject({ version: 1 });
        const heard = nextNotification();
        await projectAnnounced(accountId, 2, 150);
        await heard;
        expect(await balanceOf(accountId)).toMatchObject({ version: 2, balance: 150 });
        // Only the announced account was read again.
        await unannounced(other, 2);
        expect(await balanceOf(other)).toMatchObject({ version: 1 });
      });

      it('answers minVersion past the row in memory from the read model when no announcement brings it', async () => {
        const accountId = await seedAccount(db, { ownerId: alice, version: 1 });
        expect(await balanceOf(accountId)).toMatchObject({ version: 1 });
        await unannounced(accountId, 2);
        // Found by the waiter's safety-net poll (notifications lost while listening).
        expect((await get(`/balance?accountId=${accountId}&minVersion=2`)).body).toMatchObject({
          version: 2,
        });
      });

      it('answers read-your-writes from the row the projector announced, without reading Postgres', async () => {
        const accountId = await seedAccount(db, { ownerId: alice, version: 2, balance: 100 });
        expect(await balanceOf(accountId)).toMatchObject({ version: 2, balance: 100 });
        const pending = get(`/balance?accountId=${accountId}&minVersion=3`);
        await parked();
        // Announced, not written: only memory can answer version 3 (Postgres still says 2).
        await project(accountId, 3, 150, 'row', { write: false });
        const res = await pending;
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ accountId, version: 3, balance: 150 });
      });

      it('answers an announced row exactly as a read of Postgres would', async () => {
        const accountId = await seedAccount(db, { ownerId: alice, version: 2, balance: 100 });
        expect(await balanceOf(accountId)).toMatchObject({ version: 2 });
        const pending = get(`/balance?accountId=${accountId}&minVersion=3`);
        await parked();
        await project(accountId, 3, 150, 'row', { updatedAt: new Date('2026-12-04T10:11:12.007Z') });
        const fromMemory = (await pending).body;
        const fromPostgres = (await get(`/accounts/${accountId}`)).body;
        expect(fromMemory).toEqual({
          accountId,
          balance: fromPostgres.balance,
          currency: fromPostgres.currency,
          version: fromPostgres.version,
          updatedAt: fromPostgres.updatedAt,
        });
        expect(fromMemory).toMatchObject({
          version: 3,
          balance: 150,
          updatedAt: '2026-12-04T10:11:12.007000Z',
        });
      });

      it('reads Postgres while it cannot LISTEN, and starts afresh once it listens again', async () => {
        const accountId = await seedAccount(db, { ownerId: alice, version: 1 });
        expect(await balanceOf(accountId)).toMatchObject({ version: 1 });
        const [pid] = await listenerBackends();
        await db.query('SELECT pg_terminate_backend($1)', [pid]);
        expect(await eventually(async () => !notifications().listening, 2000, 5)).toBe(true);
        await unannounced(accountId, 2);
        expect(await balanceOf(accountId)).toMatchObject({ version: 2 });
        expect(await eventually(async () => notifications().listening, 5000, 20)).toBe(true);
        await unannounced(accountId, 3);
        expect(await balanceOf(accountId)).toMatchObject({ version: 3 });
      });
    });
  });

  describe('rejects bad parameters with 400 VALIDATION_FAILED', () => {
    let accountId: string;
    beforeAll(async () => {
      accountId = await seedAccount(db, { ownerId: alice });
    });
    const expectAll400 = async (paths: string[], headers: Record<string, string> = asTeller) => {
      for (const path of paths) {
        const res = await get(path, headers);
        expect({ path, status: res.status, code: res.body.code }).toEqual({
          path,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
    };

    it('ids that are not UUIDs', async () => {
      await expectAll400([
        '/balance?accountId=not-a-uuid',
        '/balance',
        '/accounts/not-a-uuid',
        '/accounts/123/transactions',
        '/accounts/x/balance?at=2025-01-01T00:00:00Z',
        '/accounts/x/monthly-summary?month=2025-01',
        '/transfers/not-a-uuid',
      ]);
    });

    it('instants that are not ISO-8601 with an offset', async () => {
      await expectAll400(
        [
          '',
          'at=',
          'at=yesterday',
          'at=2025-01-01',
          'at=2025-01-01T10:00:00',
          'at=2025-02-30T00:00:00Z',
          'at=2025-01-01T24:00:00Z',
          'at=2025-01-01T10:00:00.1234567Z',
          'at=2025-01-01T10:00:00%2B25:00',
          'at=1735725600000',
        ].map((q) => `/accounts/${accountId}/balance?${q}`),
      );
    });

    it('months that are not YYYY-MM', async () => {
      await expectAll400(
        ['', 'month=2025-13', 'month=2025-1', 'month=2025-01-01', 'month=0000-01', 'month=March'].map(
          (q) => `/accounts/${accountId}/monthly-summary?${q}`,
        ),
      );
    });

    it('limits that are not integers from 1 to 200', async () => {
      const limits = ['0', '201', '-1', '1.5', '1e2', 'abc', '', '007', '10&limit=20'];
      await expectAll400([
        ...limits.map((l) => `/accounts/${accountId}/transactions?limit=${l}`),
        ...limits.map((l) => `/reports/vip?limit=${l}`),
      ]);
    });

    it('malformed cursors', async () => {
      const vipCursor = Buffer.from(JSON.stringify({ lifetimeDeposits: '5', accountId })).toString(
        'base64url',
      );
      const junk = ['!!!', 'abc', '', Buffer.from('{"before":"7"}').toString('base64url'), vipCursor];
      await expectAll400([
        ...junk.map((c) => `/accounts/${accountId}/transactions?cursor=${c}`),
        ...junk.slice(0, 4).map((c) => `/reports/vip?cursor=${c}`),
        `/reports/vip?cursor=${Buffer.from(JSON.stringify({ before: 7 })).toString('base64url')}`,
      ]);
    });

    it('unknown query parameters', async () => {
      await expectAll400([
        `/balance?accountId=${accountId}&extra=1`,
        `/accounts/${accountId}?foo=bar`,
        `/accounts/${accountId}/transactions?offset=10`,
        `/accounts/${accountId}/balance?at=2025-01-01T00:00:00Z&tz=UTC`,
        `/accounts/${accountId}/monthly-summary?month=2025-01&year=2025`,
        '/reports/vip?threshold=1',
        `/transfers/${randomUUID()}?verbose=true`,
      ]);
    });

    it('minVersion that is not a positive integer, in the query or the header', async () => {
      const bad = ['0', '-1', '1.5', 'abc', '', '99999999999999999999'];
      await expectAll400(bad.map((v) => `/accounts/${accountId}?minVersion=${v}`));
      for (const v of ['0', 'abc', '1.5', '1, 2']) {
        await expectAll400([`/accounts/${accountId}`], { ...asTeller, 'x-min-version': v });
      }
    });
  });
});
