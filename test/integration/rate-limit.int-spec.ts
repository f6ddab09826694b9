/**
 * Per-caller rate limits (SPEC §5) on both HTTP services, with a limit low
 * enough to reach: the caller is the token's `sub`, or the client IP without
 * a valid token; beyond the limit 429 RATE_LIMITED with Retry-After, before
 * the route runs; other callers and the platform routes are unaffected.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { CommandServiceModule } from '../../apps/command-service/src/command-service.module.js';
import { QueryServiceModule } from '../../apps/query-service/src/query-service.module.js';
import { call, type ApiResponse } from '../support/api.js';
import { commandSideRows, testPool } from '../support/database.js';
import { eventually, fastPathAnswers, startApp, type RunningApp } from '../support/http.js';
import { seedAccount } from '../support/read-models.js';
import { bearer, TEST_JWT_SECRET } from '../support/tokens.js';

const LIMIT = 4;

function expectRateLimited(res: ApiResponse): void {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  expect(res.body).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status: 429,
    detail: expect.any(String),
    code: 'RATE_LIMITED',
  });
}

describe('rate limiting per caller', () => {
  let commands: RunningApp;
  let queries: RunningApp;
  let db: pg.Pool;
  const rows = () => commandSideRows(db);
  const fastAnswers = () => fastPathAnswers(queries.url);

  beforeAll(async () => {
    process.env.JWT_SECRET = TEST_JWT_SECRET;
    process.env.RATE_LIMIT_PER_MINUTE = String(LIMIT);
    commands = await startApp(CommandServiceModule);
    queries = await startApp(QueryServiceModule);
    db = testPool(2);
  });
  afterAll(async () => {
    delete process.env.RATE_LIMIT_PER_MINUTE;
    await commands?.close();
    await queries?.close();
    await db?.end();
  });

  describe('command-service', () => {
    it('refuses the request after the limit with 429 and writes nothing', async () => {
      const teller = bearer(`teller-${randomUUID()}`, ['teller']);
      const open = (ownerId: string) =>
        call(commands.url, 'POST', '/accounts', {
          headers: { ...teller, 'idempotency-key': randomUUID() },
          body: { ownerId, ownerName: 'Rita Limit', currency: 'EUR', initialDeposit: 100 },
        });
      for (let i = 0; i < LIMIT; i++) expect((await open(`cust-${randomUUID()}`)).status).toBe(201);

      const before = await rows();
      const refused = await open(`cust-${randomUUID()}`);
      expectRateLimited(refused);
      expect(await rows()).toEqual(before);
    });

    it('counts one budget per caller across routes, and leaves other callers alone', async () => {
      const alice = bearer(`cust-${randomUUID()}`);
      const deposit = (headers: Record<string, string>) =>
        call(commands.url, 'POST', '/deposit', { headers, body: { accountId: randomUUID(), amount: 1 } });
      for (let i = 0; i < LIMIT - 1; i++) expect((await deposit(alice)).status).toBe(404);
      expect(
        (await call(commands.url, 'POST', `/accounts/${randomUUID()}/close`, { headers: alice })).status,
      ).toBe(404);
      expectRateLimited(await deposit(alice));

      // Another customer has a budget of its own.
      expect((await deposit(bearer(`cust-${randomUUID()}`))).status).toBe(404);
    });

    it('limits callers without a valid token by address, before authentication', async () => {
      // The in-process test client always calls from 127.0.0.1: one budget for all of these.
      const anonymous = () => call(commands.url, 'POST', '/deposit', { body: { accountId: 'x', amount: 1 } });
      const forged = () =>
        call(commands.url, 'POST', '/deposit', {
          headers: { authorization: 'Bearer not.a.token' },
          body: { accountId: 'x', amount: 1 },
        });
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT; i++) statuses.push((await (i % 2 ? forged() : anonymous())).status);
      expect(statuses).toEqual(Array(LIMIT).fill(401));
      expectRateLimited(await forged());
      expectRateLimited(await anonymous());
      // A caller with a valid token is not that address's caller.
      const teller = bearer(`teller-${randomUUID()}`, ['teller']);
      expect(
        (
          await call(commands.url, 'POST', '/deposit', {
            headers: teller,
            body: { accountId: 'x', amount: 1 },
          })
        ).status,
      ).toBe(400);
    });

    it('documents 429 on every business route of the OpenAPI document, and on no platform route', async () => {
      for (const url of [commands.url, queries.url]) {
        const doc = (await (await fetch(`${url}/docs/openapi.json`)).json()) as {
          paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
        };
        const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
          Object.values(item).map((op) => ({ path, documents429: '429' in op.responses })),
        );
        const business = operations.filter((o) => !/^\/(health|metrics|docs)/.test(o.path));
        expect(business.length).toBeGreaterThan(3);
        expect(business.every((o) => o.documents429)).toBe(true);
        expect(operations.filter((o) => !business.includes(o)).some((o) => o.documents429)).toBe(false);
      }
    });

    it('never limits /health, /metrics or /docs', async () => {
      for (let i = 0; i < LIMIT * 3; i++) {
        for (const path of ['/health/live', '/metrics', '/docs/openapi.json']) {
          expect((await fetch(`${commands.url}${path}`)).status).toBe(200);
        }
      }
    });
  });

  describe('query-service', () => {
    it('refuses the request after the limit with 429, other callers unaffected', async () => {
      const bob = bearer(`cust-${randomUUID()}`);
      const balance = (headers: Record<string, string>) =>
        call(queries.url, 'GET', `/balance?accountId=${randomUUID()}`, { headers });
      for (let i = 0; i < LIMIT; i++) expect((await balance(bob)).status).toBe(404);
      expectRateLimited(await balance(bob));
      expect((await balance(bearer(`cust-${randomUUID()}`))).status).toBe(404);
      for (let i = 0; i < LIMIT * 2; i++)
        expect((await fetch(`${queries.url}/health/live`)).status).toBe(200);
    });

    it('counts a balance the fast path answers once, like any other request', async () => {
      const owner = `cust-${randomUUID()}`;
      const mine = await seedAccount(db, { ownerId: owner });
      const balance = (accountId: string, headers: Record<string, string>) =>
        call(queries.url, 'GET', `/balance?accountId=${accountId}`, { headers });
      // Another caller's reads show the cache is live (its LISTEN connection up) before counting.
      const warm = await seedAccount(db, { ownerId: owner });
      const other = bearer(`teller-${randomUUID()}`, ['teller']);
      const before = await fastAnswers();
      expect(await balance(warm, other)).toMatchObject({ status: 200 });
      expect(
        await eventually(async () => (await balance(warm, other), (await fastAnswers()) > before), 5000),
      ).toBe(true);

      const asOwner = bearer(owner);
      const answeredBefore = await fastAnswers();
      // The first read loads the row, the others come from memory: all answered by the fast path.
      for (let i = 0; i < LIMIT; i++) expect((await balance(mine, asOwner)).status).toBe(200);
      expect((await fastAnswers()) - answeredBefore).toBe(LIMIT);
      expectRateLimited(await balance(mine, asOwner));
    });
  });
});
