/**
 * SPEC §5 at the edge of both HTTP services: bearer-token edge cases on real
 * routes, CORS closed to foreign origins, and the security headers on every
 * kind of answer. (auth.int-spec.ts covers the guard on a test module.)
 */
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { signJwt } from '@cqrs-bank/platform';
import type pg from 'pg';
import { CommandServiceModule } from '../../apps/command-service/src/command-service.module.js';
import { QueryServiceModule } from '../../apps/query-service/src/query-service.module.js';
import { call } from '../support/api.js';
import { commandSideRows, testPool } from '../support/database.js';
import { startApp, type RunningApp } from '../support/http.js';
import { bearer, TEST_JWT_SECRET } from '../support/tokens.js';

const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const signed = (claims: Record<string, unknown>, secret = TEST_JWT_SECRET) =>
  signJwt({ iat: now(), exp: now() + 300, ...claims }, { alg: 'HS256', secret });
/** A token whose header says `alg`, with an HMAC signature over it made with our secret. */
function withAlg(alg: string, claims: Record<string, unknown>): string {
  const input = `${b64({ alg, typ: 'JWT' })}.${b64({ exp: now() + 300, ...claims })}`;
  return `${input}.${createHmac('sha256', TEST_JWT_SECRET).update(input).digest('base64url')}`;
}

/** Authorization header values that must be refused, with the answer SPEC §5 and the auth README give. */
const REFUSED: [string, () => string, 401 | 403][] = [
  ['an expired token', () => `Bearer ${signed({ sub: 't-1', roles: ['teller'], exp: now() - 120 })}`, 401],
  [
    'a token not valid yet (nbf)',
    () => `Bearer ${signed({ sub: 't-1', roles: ['teller'], nbf: now() + 600 })}`,
    401,
  ],
  [
    'a token signed with another secret',
    () => `Bearer ${signed({ sub: 't-1', roles: ['teller'] }, 'another-secret-of-at-least-32-characters!')}`,
    401,
  ],
  [
    'a tampered payload',
    () => {
      const [h, , s] = signed({ sub: 'c-1', roles: ['customer'] }).split('.');
      return `Bearer ${h}.${b64({ sub: 't-1', roles: ['teller'], exp: now() + 300 })}.${s}`;
    },
    401,
  ],
  [
    'an unsigned alg "none" token',
    () =>
      `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 't-1', roles: ['teller'], exp: now() + 300 })}.`,
    401,
  ],
  [
    'a token claiming another algorithm',
    () => `Bearer ${withAlg('HS512', { sub: 't-1', roles: ['teller'] })}`,
    401,
  ],
  ['a token claiming RS256', () => `Bearer ${withAlg('RS256', { sub: 't-1', roles: ['teller'] })}`, 401],
  ['a token without sub', () => `Bearer ${signed({ roles: ['teller'] })}`, 401],
  ['a token with an empty sub', () => `Bearer ${signed({ sub: '', roles: ['teller'] })}`, 401],
  ['a token with a numeric sub', () => `Bearer ${signed({ sub: 42, roles: ['teller'] })}`, 401],
  [
    'a token without exp',
    () => `Bearer ${withAlg('HS256', { sub: 't-1', roles: ['teller'], exp: undefined })}`,
    401,
  ],
  ['a token whose roles is not an array', () => `Bearer ${signed({ sub: 't-1', roles: 'teller' })}`, 401],
  ['a token with an unknown role', () => `Bearer ${signed({ sub: 't-1', roles: ['root'] })}`, 403],
  ['a token with no role', () => `Bearer ${signed({ sub: 't-1', roles: [] })}`, 403],
  ['"Bearer" without a token', () => 'Bearer', 401],
  ['"Bearer " and spaces', () => 'Bearer    ', 401],
  ['two tokens', () => `Bearer ${signed({ sub: 't-1', roles: ['teller'] })} extra`, 401],
  [
    'a token of two segments',
    () =>
      `Bearer ${signed({ sub: 't-1', roles: ['teller'] })
        .split('.')
        .slice(0, 2)
        .join('.')}`,
    401,
  ],
  ['a token with padding', () => `Bearer ${signed({ sub: 't-1', roles: ['teller'] })}=`, 401],
  ['a token over 8 KiB', () => `Bearer ${'a'.repeat(9000)}.${'b'.repeat(10)}.${'c'.repeat(10)}`, 401],
  ['the Basic scheme', () => 'Basic dGVsbGVyOnNlY3JldA==', 401],
  ['a token without a scheme', () => signed({ sub: 't-1', roles: ['teller'] }), 401],
  ['another scheme with a valid token', () => `Token ${signed({ sub: 't-1', roles: ['teller'] })}`, 401],
];

describe('HTTP security of command-service and query-service', () => {
  let commands: RunningApp;
  let queries: RunningApp;
  let db: pg.Pool;
  const rows = () => commandSideRows(db);

  beforeAll(async () => {
    process.env.JWT_SECRET = TEST_JWT_SECRET;
    commands = await startApp(CommandServiceModule);
    queries = await startApp(QueryServiceModule);
    db = testPool(2);
  });
  afterAll(async () => {
    await commands?.close();
    await queries?.close();
    await db?.end();
  });

  const routes = () => ({
    'POST /deposit (command-service)': (authorization?: string) =>
      call(commands.url, 'POST', '/deposit', {
        headers: authorization === undefined ? {} : { authorization },
        body: { accountId: randomUUID(), amount: 1 },
      }),
    'GET /balance (query-service)': (authorization?: string) =>
      call(queries.url, 'GET', `/balance?accountId=${randomUUID()}`, {
        headers: authorization === undefined ? {} : { authorization },
      }),
  });

  describe.each(['POST /deposit (command-service)', 'GET /balance (query-service)'] as const)(
    'bearer tokens on %s',
    (route) => {
      it('lets a valid teller token through (the control: an unknown account is 404)', async () => {
        const res = await routes()[route](bearer('t-1', ['teller']).authorization);
        expect(res.status).toBe(404);
        // The scheme is case-insensitive (RFC 7235).
        const lower = await routes()[route](`bearer ${signed({ sub: 't-1', roles: ['teller'] })}`);
        expect(lower.status).toBe(404);
      });

      it.each(REFUSED)('refuses %s', async (_name, header, status) => {
        const authorization = header();
        const before = await rows();
        const res = await routes()[route](authorization);
        expect(res.status).toBe(status);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status, code: status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN' });
        if (status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
        const token = authorization.split(' ')[1];
        if (token && token.length > 8) expect(JSON.stringify(res.body)).not.toContain(token);
        expect(await rows()).toEqual(before);
      });
    },
  );

  it('refuses a customer on the staff-only routes with 403', async () => {
    const customer = bearer(`cust-${randomUUID()}`);
    const erase = await call(commands.url, 'DELETE', `/customers/cust-x/personal-data`, {
      headers: customer,
    });
    expect(erase.status).toBe(403);
    expect(erase.body).toMatchObject({ code: 'FORBIDDEN' });
    const vip = await call(queries.url, 'GET', '/reports/vip', { headers: customer });
    expect(vip.status).toBe(403);
    expect(vip.body).toMatchObject({ code: 'FORBIDDEN' });
  });

  it.each([
    ['command-service', 'POST', '/accounts/%zz/close'],
    ['query-service', 'GET', '/accounts/%E0%A4%A/transactions'],
    ['query-service', 'GET', `/transfers/${'x'.repeat(1100)}`],
  ] as const)('answers a malformed URL on %s (%s %s) with problem+json 400', async (name, method, path) => {
    const base = name === 'command-service' ? commands.url : queries.url;
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...bearer('t-1', ['teller']), 'x-correlation-id': 'corr-bad-url' },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-correlation-id')).toBe('corr-bad-url');
    expect(await res.json()).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      correlationId: 'corr-bad-url',
    });
  });

  describe.each(['command-service', 'query-service'] as const)('CORS on %s', (name) => {
    const base = () => (name === 'command-service' ? commands.url : queries.url);
    const path = name === 'command-service' ? '/deposit' : `/balance?accountId=${randomUUID()}`;

    it('grants no foreign origin access to an answer', async () => {
      const res = await fetch(`${base()}${path}`, {
        method: name === 'command-service' ? 'POST' : 'GET',
        headers: {
          ...bearer('t-1', ['teller']),
          origin: 'https://evil.example',
          ...(name === 'command-service' ? { 'content-type': 'application/json' } : {}),
        },
        body: name === 'command-service' ? JSON.stringify({ accountId: randomUUID(), amount: 1 }) : undefined,
      });
      expect(res.status).toBe(404);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    });

    it('answers a preflight with no permission', async () => {
      const res = await fetch(`${base()}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://evil.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      for (const header of [
        'access-control-allow-origin',
        'access-control-allow-methods',
        'access-control-allow-headers',
        'access-control-allow-credentials',
      ]) {
        expect(res.headers.get(header)).toBeNull();
      }
    });
  });

  describe.each(['command-service', 'query-service'] as const)('security headers on %s', (name) => {
    const base = () => (name === 'command-service' ? commands.url : queries.url);

    it('are on successful, refused and unknown-route answers alike', async () => {
      // A business route of the service: unknown accounts are 404 to a teller.
      const business = () =>
        name === 'command-service'
          ? { url: `${base()}/accounts/${randomUUID()}/close`, method: 'POST' }
          : { url: `${base()}/balance?accountId=${randomUUID()}`, method: 'GET' };
      const answers = [
        await fetch(`${base()}/health/live`),
        await fetch(business().url, { method: business().method }),
        await fetch(`${base()}/no-such-route`),
        await fetch(business().url, { method: business().method, headers: bearer('t-1', ['teller']) }),
      ];
      expect(answers.map((r) => r.status)).toEqual([200, 401, 404, 404]);
      for (const res of answers) {
        expect({
          nosniff: res.headers.get('x-content-type-options'),
          frame: res.headers.get('x-frame-options'),
          referrer: res.headers.get('referrer-policy'),
          coop: res.headers.get('cross-origin-opener-policy'),
          corp: res.headers.get('cross-origin-resource-policy'),
          hsts: res.headers.get('strict-transport-security'),
        }).toEqual({
          nosniff: 'nosniff',
          frame: 'DENY',
          referrer: 'no-referrer',
          coop: 'same-origin',
          corp: 'same-origin',
          hsts: 'max-age=31536000; includeSubDomains',
        });
        expect(res.headers.get('x-powered-by')).toBeNull();
      }
    });
  });
});
