import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { CommandServiceModule } from '../../apps/command-service/src/command-service.module.js';
import { call } from '../support/api.js';
import { count, testPool } from '../support/database.js';
import { startApp, type RunningApp } from '../support/http.js';
import { bearer, TEST_JWT_SECRET } from '../support/tokens.js';

type Account = { accountId: string; version: number; balance: number; currency: string };

describe('command-service', () => {
  let app: RunningApp;
  let db: pg.Pool;
  const alice = `cust-${randomUUID()}`;
  const asAlice = bearer(alice);
  const asTeller = bearer('teller-1', ['teller']);

  beforeAll(async () => {
    process.env.JWT_SECRET = TEST_JWT_SECRET;
    process.env.SNAPSHOT_EVERY = '5';
    app = await startApp(CommandServiceModule);
    db = testPool();
  });
  afterAll(async () => {
    delete process.env.SNAPSHOT_EVERY;
    await app.close();
    await db.end();
  });

  const post = <T = Record<string, unknown>>(
    path: string,
    body?: unknown,
    headers: Record<string, string> = asAlice,
  ) => call<T>(app.url, 'POST', path, { body, headers });
  const open = async (initialDeposit?: number, owner = alice, headers = asAlice) => {
    const res = await post<Account>(
      '/accounts',
      { ownerId: owner, ownerName: 'Alice Example', currency: 'EUR', initialDeposit },
      headers,
    );
    expect(res.status).toBe(201);
    return res.body;
  };
  const eventsOf = async (accountId: string) =>
    (
      await db.query<{
        version: string;
        type: string;
        data: Record<string, unknown>;
        metadata: Record<string, unknown>;
      }>('SELECT version, type, data, metadata FROM events WHERE stream_id = $1 ORDER BY version', [
        `account-${accountId}`,
      ])
    ).rows;
  const totalEvents = () => count(db, 'SELECT 1 FROM events');
  const totalOutbox = () => count(db, 'SELECT 1 FROM outbox');

  describe('the happy path', () => {
    it('opens an account with an initial deposit and answers 201 with its version', async () => {
      const account = await open(10_000);
      expect(account).toEqual({
        accountId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        version: 1,
        balance: 10_000,
        currency: 'EUR',
      });
      const events = await eventsOf(account.accountId);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: 'AccountOpened',
        data: { ownerId: alice, currency: 'EUR', initialDeposit: 10_000 },
      });
    });

    it('deposits and withdraws, answering the new version and balance', async () => {
      const { accountId } = await open();
      expect((await post('/deposit', { accountId, amount: 2_500 })).body).toEqual({
        accountId,
        version: 2,
        balance: 2_500,
        currency: 'EUR',
      });
      expect((await post('/withdraw', { accountId, amount: 1_000 })).body).toEqual({
        accountId,
        version: 3,
        balance: 1_500,
        currency: 'EUR',
      });
      expect((await eventsOf(accountId)).map((e) => e.type)).toEqual([
        'AccountOpened',
        'MoneyDeposited',
        'MoneyWithdrawn',
      ]);
    });

    it('writes an internal and a public outbox message per event, the public one without personal data', async () => {
      const { accountId } = await open(700);
      await post('/withdraw', { accountId, amount: 200 });
      const { rows } = await db.query<{
        topic: string;
        message_key: string;
        headers: Record<string, string>;
        payload: Record<string, unknown>;
      }>(
        `SELECT o.topic, o.message_key, o.headers, o.payload FROM outbox o JOIN events e ON e.event_id = o.event_id
          WHERE e.stream_id = $1 ORDER BY o.id`,
        [`account-${accountId}`],
      );
      expect(rows.map((r) => r.topic)).toEqual([
        'bank.ledger.internal.v1',
        'bank.account-events.v1',
        'bank.ledger.internal.v1',
        'bank.account-events.v1',
      ]);
      const withdrawn = rows[3];
      expect(withdrawn.message_key).toBe(accountId);
      expect(withdrawn.payload).toMatchObject({
        accountId,
        amount: 200,
        currency: 'EUR',
        balanceAfter: 500,
        accountVersion: 2,
      });
      expect(withdrawn.headers).toMatchObject({
        ce_specversion: '1.0',
        ce_type: 'bank.account.funds-withdrawn.v1',
        ce_subject: accountId,
      });
      expect(JSON.stringify(rows.filter((r) => r.topic === 'bank.account-events.v1'))).not.toContain(
        'Alice Example',
      );
    });

    it('records correlation id, causation id and actor on every event, echoing the correlation id', async () => {
      const { accountId } = await open();
      const res = await call(app.url, 'POST', '/deposit', {
        body: { accountId, amount: 5 },
        headers: { ...asAlice, 'x-correlation-id': 'corr-deposit-1' },
      });
      expect(res.headers.get('x-correlation-id')).toBe('corr-deposit-1');
      const [, deposited] = await eventsOf(accountId);
      expect(deposited.metadata).toMatchObject({
        correlationId: 'corr-deposit-1',
        actor: alice,
        causationId: expect.any(String),
      });
    });

    it('closes an empty account and refuses to close one holding money', async () => {
      const { accountId } = await open(50);
      const refused = await post(`/accounts/${accountId}/close`);
      expect(refused).toMatchObject({ status: 422, body: { code: 'ACCOUNT_NOT_EMPTY' } });
      await post('/withdraw', { accountId, amount: 50 });
      const closed = await post(`/accounts/${accountId}/close`);
      expect(closed).toMatchObject({ status: 200, body: { accountId, version: 3 } });
      expect(await post('/deposit', { accountId, amount: 1 })).toMatchObject({
        status: 422,
        body: { code: 'ACCOUNT_CLOSED' },
      });
    });

    it('writes a snapshot every SNAPSHOT_EVERY events, and later commands still see the right balance', async () => {
      const { accountId } = await open(1);
      for (let i = 0; i < 6; i++) await post('/deposit', { accountId, amount: 10 });
      const { rows } = await db.query('SELECT version, state FROM snapshots WHERE stream_id = $1', [
        `account-${accountId}`,
      ]);
      expect(rows).toHaveLength(1);
      expect(Number(rows[0].version)).toBe(5);
      expect((await post('/withdraw', { accountId, amount: 61 })).body).toMatchObject({
        version: 8,
        balance: 0,
      });
    });
  });

  describe('refusals write nothing', () => {
    it('refuses to overdraw with 422 INSUFFICIENT_FUNDS', async () => {
      const { accountId } = await open(100);
      const before = await totalEvents();
      const res = await post('/withdraw', { accountId, amount: 101 });
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({
        code: 'INSUFFICIENT_FUNDS',
        status: 422,
        type: expect.any(String),
        title: expect.any(String),
      });
      expect(await totalEvents()).toBe(before);
    });

    it('answers 404 ACCOUNT_NOT_FOUND for an unknown account', async () => {
      const res = await post('/deposit', { accountId: randomUUID(), amount: 1 });
      expect(res).toMatchObject({ status: 404, body: { code: 'ACCOUNT_NOT_FOUND' } });
    });

    it('hides another customer’s account behind 404, and lets a teller act on it', async () => {
      const { accountId } = await open(10);
      const before = await totalEvents();
      const mallory = bearer(`cust-${randomUUID()}`);
      expect(await post('/withdraw', { accountId, amount: 1 }, mallory)).toMatchObject({
        status: 404,
        body: { code: 'ACCOUNT_NOT_FOUND' },
      });
      expect(await totalEvents()).toBe(before);
      expect(await post('/withdraw', { accountId, amount: 1 }, asTeller)).toMatchObject({
        status: 200,
        body: { balance: 9 },
      });
    });

    it('forbids a customer to open an account for someone else (403)', async () => {
      const before = await totalEvents();
      const res = await post('/accounts', { ownerId: 'someone-else', ownerName: 'X Y', currency: 'EUR' });
      expect(res).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
      expect(await totalEvents()).toBe(before);
    });

    it('answers 401 without a token', async () => {
      const res = await post('/deposit', { accountId: randomUUID(), amount: 1 }, {});
      expect(res).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    });

    const badBodies: [string, string, unknown, number][] = [
      ['a float amount', '/deposit', { amount: 10.5 }, 400],
      ['a numeric-string amount', '/deposit', { amount: '100' }, 400],
      ['a negative amount', '/withdraw', { amount: -5 }, 400],
      ['a zero amount', '/deposit', { amount: 0 }, 400],
      ['an amount above 10^15', '/deposit', { amount: 1_000_000_000_000_001 }, 400],
      ['an unsafe integer amount', '/deposit', { amount: 2 ** 53 }, 400],
      ['a null amount', '/deposit', { amount: null }, 400],
      ['a missing amount', '/deposit', {}, 400],
      ['a boolean amount', '/withdraw', { amount: true }, 400],
      ['an unknown field', '/deposit', { amount: 5, note: 'hi' }, 400],
      ['a non-uuid account id', '/deposit', { accountIdOverride: 'not-a-uuid', amount: 5 }, 400],
      ['an object amount', '/deposit', { amount: { value: 5 } }, 400],
    ];
    it.each(badBodies)(
      'rejects %s with problem+json and writes nothing',
      async (_name, path, patch, status) => {
        const { accountId } = await open(1_000);
        const before = [await totalEvents(), await totalOutbox()];
        const body: Record<string, unknown> = { accountId, ...(patch as Record<string, unknown>) };
        if ('accountIdOverride' in body) {
          body.accountId = body.accountIdOverride;
          delete body.accountIdOverride;
        }
        const res = await post(path, body);
        expect(res.status).toBe(status);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', status, detail: expect.any(String) });
        expect([await totalEvents(), await totalOutbox()]).toEqual(before);
      },
    );

    const badOpens: [string, Record<string, unknown>][] = [
      ['an invalid currency', { currency: 'EURO' }],
      ['a lower-case currency', { currency: 'eur' }],
      ['a blank owner name', { ownerName: '   ' }],
      ['a missing owner id', { ownerId: undefined }],
      ['a numeric owner id', { ownerId: 42 }],
      ['a zero initial deposit', { initialDeposit: 0 }],
      ['a float initial deposit', { initialDeposit: 1.25 }],
    ];
    it.each(badOpens)('refuses to open an account with %s', async (_name, patch) => {
      const before = await totalEvents();
      const res = await post('/accounts', {
        ownerId: alice,
        ownerName: 'Alice Example',
        currency: 'EUR',
        ...patch,
      });
      expect(res).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      expect(await totalEvents()).toBe(before);
    });

    const badRequests: [string, { rawBody?: string; contentType?: string }, number, string][] = [
      ['malformed JSON', { rawBody: '{"amount": 1,' }, 400, 'VALIDATION_FAILED'],
      ['a JSON array body', { rawBody: '[{"amount": 1}]' }, 400, 'VALIDATION_FAILED'],
      ['a JSON null body', { rawBody: 'null' }, 400, 'VALIDATION_FAILED'],
      ['a JSON string body', { rawBody: '"deposit"' }, 400, 'VALIDATION_FAILED'],
      ['an empty JSON body', { rawBody: '' }, 400, 'VALIDATION_FAILED'],
      [
        'a text/plain body',
        { rawBody: 'amount=1', contentType: 'text/plain' },
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'a form body',
        { rawBody: 'amount=1', contentType: 'application/x-www-form-urlencoded' },
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'a body over 16 KiB',
        { rawBody: JSON.stringify({ amount: 1, pad: 'x'.repeat(17_000) }) },
        413,
        'PAYLOAD_TOO_LARGE',
      ],
    ];
    it.each(badRequests)('rejects %s', async (_name, req, status, code) => {
      const before = await totalEvents();
      const res = await call(app.url, 'POST', '/deposit', {
        rawBody: req.rawBody,
        headers: { ...asAlice, 'content-type': req.contentType ?? 'application/json' },
      });
      expect(res.status).toBe(status);
      expect(res.body).toMatchObject({ code, status });
      expect(await totalEvents()).toBe(before);
    });

    it('rejects a malformed account id in the path with 400', async () => {
      expect(await post('/accounts/not-a-uuid/close')).toMatchObject({
        status: 400,
        body: { code: 'VALIDATION_FAILED' },
      });
    });

    it('rejects an Idempotency-Key that is too long', async () => {
      const { accountId } = await open(10);
      const before = await totalEvents();
      const res = await post(
        '/deposit',
        { accountId, amount: 1 },
        { ...asAlice, 'idempotency-key': 'k'.repeat(201) },
      );
      expect(res).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      expect(await totalEvents()).toBe(before);
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first answer for the same key and body, changing nothing', async () => {
      const { accountId } = await open(1_000);
      const headers = { ...asAlice, 'idempotency-key': `k-${randomUUID()}` };
      const first = await post('/withdraw', { accountId, amount: 300 }, headers);
      const again = await post('/withdraw', { accountId, amount: 300 }, headers);
      expect(first.status).toBe(200);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect((await eventsOf(accountId)).filter((e) => e.type === 'MoneyWithdrawn')).toHaveLength(1);
    });

    it('replays a 201 for account opening too', async () => {
      const headers = { ...asAlice, 'idempotency-key': `k-${randomUUID()}` };
      const body = { ownerId: alice, ownerName: 'Alice Example', currency: 'EUR' };
      const first = await post('/accounts', body, headers);
      const again = await post('/accounts', body, headers);
      expect([first.status, again.status]).toEqual([201, 201]);
      expect(again.body).toEqual(first.body);
    });

    it('answers 422 IDEMPOTENCY_KEY_REUSED for the same key with another body, writing nothing', async () => {
      const { accountId } = await open(1_000);
      const headers = { ...asAlice, 'idempotency-key': `k-${randomUUID()}` };
      await post('/withdraw', { accountId, amount: 300 }, headers);
      const before = await totalEvents();
      const res = await post('/withdraw', { accountId, amount: 301 }, headers);
      expect(res).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED' } });
      expect(await totalEvents()).toBe(before);
    });

    it('debits once when 20 requests with one key arrive together', async () => {
      const { accountId } = await open(1_000);
      const headers = { ...asAlice, 'idempotency-key': `k-${randomUUID()}` };
      const results = await Promise.all(
        Array.from({ length: 20 }, () => post('/withdraw', { accountId, amount: 100 }, headers)),
      );
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
      for (const r of results)
        expect(r.body).toEqual({ accountId, version: 2, balance: 900, currency: 'EUR' });
      expect((await eventsOf(accountId)).filter((e) => e.type === 'MoneyWithdrawn')).toHaveLength(1);
    });
  });

  it('settles 200 concurrent withdrawals of 100 from 10 000: exactly 100 succeed, versions 1..101 without gaps', async () => {
    const { accountId } = await open(10_000);
    const results = await Promise.all(
      Array.from({ length: 200 }, () => post('/withdraw', { accountId, amount: 100 })),
    );
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status !== 200);
    expect(ok).toHaveLength(100);
    expect(refused.map((r) => (r.body as { code: string }).code)).toEqual(
      Array(100).fill('INSUFFICIENT_FUNDS'),
    );
    const events = await eventsOf(accountId);
    expect(events.map((e) => Number(e.version))).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
    expect(events.at(-1)!.data).toMatchObject({ balanceAfter: 0 });
    expect(new Set(ok.map((r) => (r.body as Account).version)).size).toBe(100);
  });

  it('reads AccountOpened v1 rows through the upcaster and keeps working on them', async () => {
    const accountId = randomUUID();
    await db.query(
      `INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
       VALUES ($1, $2, 'account', 1, 'AccountOpened', 1, $3, '{"correlationId":"legacy","causationId":"legacy","actor":"legacy"}')`,
      [
        randomUUID(),
        `account-${accountId}`,
        JSON.stringify({
          accountId,
          ownerId: alice,
          owner: 'Ada Lovelace',
          currency: 'GBP',
          initialBalance: 300,
        }),
      ],
    );
    const res = await post('/withdraw', { accountId, amount: 100 });
    expect(res).toMatchObject({
      status: 200,
      body: { accountId, version: 2, balance: 200, currency: 'GBP' },
    });
  });

  it('fails fast with 503 while its Postgres connections are killed, recovers by itself, and loses no accepted command', async () => {
    const { accountId } = await open(1_000_000);
    const statuses: number[] = [];
    const codes = new Set<string>();
    const kills: Promise<unknown>[] = [];
    const killer = setInterval(() => {
      kills.push(
        db.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'command-service%' AND datname = current_database() AND pid <> pg_backend_pid()",
        ),
      );
    }, 40);
    try {
      for (let round = 0; round < 10; round++) {
        const batch = await Promise.all(
          Array.from({ length: 15 }, () => post('/withdraw', { accountId, amount: 1 })),
        );
        for (const r of batch) {
          statuses.push(r.status);
          if (r.status !== 200) codes.add((r.body as { code: string }).code);
        }
      }
    } finally {
      clearInterval(killer);
      await Promise.all(kills);
    }
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect([...codes].every((c) => c === 'SERVICE_UNAVAILABLE')).toBe(true);
    // Recovers without a restart.
    const after = await post<Account>('/withdraw', { accountId, amount: 1 });
    expect(after.status).toBe(200);
    // Every 200 is a committed withdrawal. A connection cut during COMMIT
    // leaves the outcome unknown to the service (503, the client retries with
    // its Idempotency-Key), so a few more may have committed — never fewer.
    const accepted = statuses.filter((s) => s === 200).length + 1;
    const withdrawals = (await eventsOf(accountId)).filter((e) => e.type === 'MoneyWithdrawn');
    expect(withdrawals.length).toBeGreaterThanOrEqual(accepted);
    expect(withdrawals.length).toBeLessThanOrEqual(statuses.length + 1);
    expect(after.body.balance).toBe(1_000_000 - withdrawals.length);
  });
});
