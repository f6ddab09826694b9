/**
 * GET /balance's fast path (apps/query-service/src/accounts/balance/
 * balance-fast-path.ts) answers before Nest's pipeline runs. Its
 * answers must be BalanceController's: two query-services over the same read
 * models, one with BALANCE_FAST_PATH=false, are asked the same things and must
 * answer the same status, headers and body — and the fast one must have
 * answered exactly the requests it is meant to (well-formed, from a caller the
 * guards let through), no other.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { projectionNotices } from '../../apps/projector/src/projections/projection-notice.js';
import { QueryServiceModule } from '../../apps/query-service/src/query-service.module.js';
import { testPool } from '../support/database.js';
import { eventually, fastPathAnswers, startApp, type RunningApp } from '../support/http.js';
import { seedAccount } from '../support/read-models.js';
import { bearer, TEST_JWT_SECRET, token } from '../support/tokens.js';

interface Case {
  name: string;
  path: string;
  headers?: Record<string, string>;
  /** Whether the fast path answers it (else the controller does). */
  fast: boolean;
}

/** What a client can tell apart: status, every header but the clock's, the body. */
async function observe(app: RunningApp, { path, headers }: Case) {
  const res = await fetch(`${app.url}${path}`, { headers: { ...headers, 'x-correlation-id': 'fast-path' } });
  const seen = Object.fromEntries([...res.headers].filter(([name]) => name !== 'date'));
  return { status: res.status, headers: seen, body: await res.text() };
}

function fastAnswers(app: RunningApp): Promise<number> {
  return fastPathAnswers(app.url);
}

describe('GET /balance fast path', () => {
  let fast: RunningApp;
  let slow: RunningApp;
  let db: pg.Pool;
  const alice = `cust-${randomUUID()}`;
  const asAlice = bearer(alice);
  let accountId: string;

  beforeAll(async () => {
    process.env.JWT_SECRET = TEST_JWT_SECRET;
    process.env.MIN_VERSION_WAIT_MS = '50';
    // Nothing expires during the suite: which requests meet a fresh row is known.
    process.env.BALANCE_CACHE_MAX_AGE_MS = '600000';
    fast = await startApp(QueryServiceModule);
    process.env.BALANCE_FAST_PATH = 'false';
    slow = await startApp(QueryServiceModule);
    delete process.env.BALANCE_FAST_PATH;
    db = testPool(2);
    accountId = await seedAccount(db, {
      ownerId: alice,
      balance: 4_200,
      version: 3,
      updatedAt: '2025-06-07T08:09:10.123456Z',
    });
    // The first read of each app loads the row into its cache, once its LISTEN connection is up.
    const warm = { name: 'warm', path: `/balance?accountId=${accountId}`, headers: asAlice, fast: true };
    expect(
      await eventually(async () => (await observe(fast, warm), (await fastAnswers(fast)) > 0), 10_000),
    ).toBe(true);
    await observe(slow, warm);
  });
  afterAll(async () => {
    delete process.env.MIN_VERSION_WAIT_MS;
    delete process.env.BALANCE_CACHE_MAX_AGE_MS;
    await fast?.close();
    await slow?.close();
    await db?.end();
  });

  it('answers every request as the controller does, and only the ones it should', async () => {
    const balance = `/balance?accountId=${accountId}`;
    const cases: Case[] = [
      // Taken: from memory, or through AccountReader (a wait, a read, a 404 or 503).
      { name: 'owner', path: balance, headers: asAlice, fast: true },
      { name: 'teller', path: balance, headers: bearer('teller-1', ['teller']), fast: true },
      { name: 'admin', path: balance, headers: bearer('admin-1', ['admin']), fast: true },
      { name: 'minVersion reached', path: `${balance}&minVersion=3`, headers: asAlice, fast: true },
      { name: 'minVersion passed', path: `${balance}&minVersion=1`, headers: asAlice, fast: true },
      {
        name: 'X-Min-Version reached',
        path: balance,
        headers: { ...asAlice, 'x-min-version': '2' },
        fast: true,
      },
      {
        name: 'both, the higher reached',
        path: `${balance}&minVersion=2`,
        headers: { ...asAlice, 'x-min-version': '3' },
        fast: true,
      },
      {
        name: 'parameter after an empty one',
        path: `/balance?&accountId=${accountId}`,
        headers: asAlice,
        fast: true,
      },
      { name: 'another customer', path: balance, headers: bearer(`cust-${randomUUID()}`), fast: true },
      // Refused: left to the controller (its guards and validation pipe answer).
      { name: 'no token', path: balance, fast: false },
      { name: 'not a bearer token', path: balance, headers: { authorization: 'Basic YTpi' }, fast: false },
      { name: 'malformed token', path: balance, headers: { authorization: 'Bearer nope' }, fast: false },
      {
        name: 'expired token',
        path: balance,
        headers: { authorization: `Bearer ${token(alice, ['customer'], -120)}` },
        fast: false,
      },
      {
        name: 'token without a role',
        path: balance,
        headers: { authorization: `Bearer ${token(alice, [])}` },
        fast: false,
      },
      { name: 'minVersion not reached', path: `${balance}&minVersion=4`, headers: asAlice, fast: true },
      {
        name: 'X-Min-Version not reached',
        path: balance,
        headers: { ...asAlice, 'x-min-version': '4' },
        fast: true,
      },
      { name: 'minVersion malformed', path: `${balance}&minVersion=1.0`, headers: asAlice, fast: false },
      { name: 'minVersion empty', path: `${balance}&minVersion=`, headers: asAlice, fast: false },
      {
        name: 'minVersion twice',
        path: `${balance}&minVersion=1&minVersion=2`,
        headers: asAlice,
        fast: false,
      },
      {
        name: 'X-Min-Version malformed',
        path: balance,
        headers: { ...asAlice, 'x-min-version': '1, 2' },
        fast: false,
      },
      { name: 'unknown parameter', path: `${balance}&extra=1`, headers: asAlice, fast: false },
      { name: 'prototype parameter', path: `${balance}&__proto__=1`, headers: asAlice, fast: false },
      { name: 'accountId twice', path: `${balance}&accountId=${accountId}`, headers: asAlice, fast: false },
      { name: 'accountId not a UUID', path: '/balance?accountId=not-a-uuid', headers: asAlice, fast: false },
      { name: 'no accountId', path: '/balance', headers: asAlice, fast: false },
      { name: 'missing account', path: `/balance?accountId=${randomUUID()}`, headers: asAlice, fast: true },
      // Not in the cache under that spelling: read from Postgres.
      {
        name: 'accountId in capitals',
        path: `/balance?accountId=${accountId.toUpperCase()}`,
        headers: asAlice,
        fast: true,
      },
    ];

    const before = await fastAnswers(fast);
    for (const c of cases) {
      const [viaFastPath, viaController] = [await observe(fast, c), await observe(slow, c)];
      expect({ name: c.name, ...viaFastPath }).toEqual({ name: c.name, ...viaController });
    }
    expect((await fastAnswers(fast)) - before).toBe(cases.filter((c) => c.fast).length);
    expect(await fastAnswers(slow)).toBe(0);
  });

  it('answers the row as the projector last announced it', async () => {
    const updatedAt = new Date('2025-06-07T08:10:00Z');
    await db.query(
      'UPDATE account_balance SET balance = 4100, version = 4, updated_at = $2 WHERE account_id = $1',
      [accountId, updatedAt],
    );
    const [notice] = projectionNotices([{ accountId, version: 4, balance: 4100n, updatedAt }]);
    await db.query("SELECT pg_notify('account_projection_applied', $1)", [notice]);
    // Each app moves its cached row to version 4 when the notification reaches it.
    const read: Case = {
      name: 'after the notification',
      path: `/balance?accountId=${accountId}&minVersion=4`,
      headers: asAlice,
      fast: true,
    };
    for (const app of [fast, slow]) {
      expect(await eventually(async () => (await observe(app, read)).status === 200, 5000, 20)).toBe(true);
    }

    const before = await fastAnswers(fast);
    const [viaFastPath, viaController] = [await observe(fast, read), await observe(slow, read)];
    expect(JSON.parse(viaFastPath.body)).toEqual({
      accountId,
      balance: 4100,
      currency: 'EUR',
      version: 4,
      updatedAt: '2025-06-07T08:10:00.000000Z',
    });
    expect(viaFastPath).toEqual(viaController);
    expect((await fastAnswers(fast)) - before).toBe(1);
  });
});
