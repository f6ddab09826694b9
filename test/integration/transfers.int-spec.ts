/**
 * Transfers end to end (SPEC §3, §9): POST /transfers → TransferRequested →
 * the process manager (driven by the internal topic) debits, credits and
 * completes — or fails, refunding the source — while the projector keeps
 * GET /transfers/:id and both accounts' histories; real Postgres and Kafka.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { CommandServiceModule } from '../../apps/command-service/src/command-service.module.js';
import { LedgerConsumer } from '../../apps/projector/src/ledger/ledger-consumer.js';
import { ProjectorModule } from '../../apps/projector/src/projector.module.js';
import { QueryServiceModule } from '../../apps/query-service/src/query-service.module.js';
import { call } from '../support/api.js';
import { count, testPool } from '../support/database.js';
import { eventually, startApp, type RunningApp } from '../support/http.js';
import { bearer } from '../support/tokens.js';
import { embeddedTransfersSetup, movementsOf, settled, storedBalance } from '../support/transfers.js';

describe('transfers', () => {
  let commands: RunningApp;
  let projector: RunningApp;
  let queries: RunningApp;
  let db: pg.Pool;
  const teller = bearer('teller-transfers', ['teller']);
  const owner = `cust-${randomUUID()}`;
  const customer = bearer(owner, ['customer']);

  const post = (path: string, body: unknown, headers: Record<string, string> = teller) =>
    call<Record<string, unknown>>(commands.url, 'POST', path, { body, headers });
  const open = async (initialDeposit = 0, currency = 'EUR', ownerId = owner) => {
    const res = await post('/accounts', {
      ownerId,
      ownerName: 'Grace Transfer',
      currency,
      ...(initialDeposit ? { initialDeposit } : {}),
    });
    expect(res.status).toBe(201);
    return res.body.accountId as string;
  };
  const transfer = async (fromAccountId: string, toAccountId: string, amount: number) => {
    const res = await post('/transfers', { fromAccountId, toAccountId, amount });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ transferId: expect.any(String), status: 'PENDING' });
    return res.body.transferId as string;
  };
  const eventCount = () => count(db, 'SELECT count(*) FROM events');

  beforeAll(async () => {
    await embeddedTransfersSetup();
    db = testPool(4);
    projector = await startApp(ProjectorModule);
    await projector.app.get(LedgerConsumer).assigned;
    commands = await startApp(CommandServiceModule);
    queries = await startApp(QueryServiceModule);
  }, 60_000);
  afterAll(async () => {
    delete process.env.OUTBOX_RELAY;
    process.env.TRANSFER_SAGA = 'off';
    delete process.env.TRANSFER_SAGA_START_FROM;
    await commands.close();
    await projector.close();
    await queries.close();
    await db.end();
  });

  it('moves the money: debit the source, credit the target, COMPLETED on the query side, in both histories', async () => {
    const [from, to] = [await open(1_000), await open(0, 'EUR', `cust-${randomUUID()}`)];
    const res = await post('/transfers', { fromAccountId: from, toAccountId: to, amount: 300 }, customer);
    expect(res.status).toBe(202);
    const transferId = res.body.transferId as string;

    const [record] = await settled(db, [transferId]);
    expect(record).toEqual({
      events: ['TransferRequested', 'TransferDebited', 'TransferCredited', 'TransferCompleted'],
      finished: true,
      outcome: 'COMPLETED',
    });
    expect([await storedBalance(db, from), await storedBalance(db, to)]).toEqual([700, 300]);
    expect((await movementsOf(db, [transferId])).get(transferId)).toEqual([
      { accountId: from, type: 'MoneyWithdrawn', amount: 300 },
      { accountId: to, type: 'MoneyDeposited', amount: 300 },
    ]);

    // The query side: status for the customer who sent it, and the transfer in both histories.
    const shown = await eventually(async () => {
      const r = await call(queries.url, 'GET', `/transfers/${transferId}`, { headers: customer });
      return r.status === 200 && r.body.status === 'COMPLETED';
    }, 30_000);
    expect(shown).toBe(true);
    const status = await call(queries.url, 'GET', `/transfers/${transferId}`, { headers: customer });
    expect(status.body).toMatchObject({
      transferId,
      fromAccountId: from,
      toAccountId: to,
      amount: 300,
      currency: 'EUR',
    });
    for (const [accountId, kind] of [
      [from, 'WITHDRAWAL'],
      [to, 'DEPOSIT'],
    ] as const) {
      const ok = await eventually(async () => {
        const r = await call<{ transactions: { transferId?: string; kind: string }[] }>(
          queries.url,
          'GET',
          `/accounts/${accountId}/transactions`,
          { headers: teller },
        );
        return r.body.transactions?.some((t) => t.transferId === transferId && t.kind === kind) ?? false;
      }, 30_000);
      expect({ accountId, kind, ok }).toEqual({ accountId, kind, ok: true });
    }
  }, 90_000);

  it('fails for insufficient funds without moving any money', async () => {
    const [from, to] = [await open(100), await open()];
    const transferId = await transfer(from, to, 101);
    const [record] = await settled(db, [transferId]);
    expect(record).toEqual({
      events: ['TransferRequested', 'TransferFailed'],
      finished: true,
      outcome: 'FAILED',
      reason: 'INSUFFICIENT_FUNDS',
    });
    expect((await movementsOf(db, [transferId])).get(transferId)).toEqual([]);
    expect([await storedBalance(db, from), await storedBalance(db, to)]).toEqual([100, 0]);
    const shown = await eventually(async () => {
      const r = await call(queries.url, 'GET', `/transfers/${transferId}`, { headers: teller });
      return r.body.status === 'FAILED' && r.body.reason === 'INSUFFICIENT_FUNDS';
    }, 30_000);
    expect(shown).toBe(true);
  }, 60_000);

  it('refunds the source when the target is missing, closed or in another currency', async () => {
    const from = await open(1_000);
    const closed = await open();
    expect((await post(`/accounts/${closed}/close`, undefined)).status).toBe(200);
    const dollars = await open(0, 'USD');
    const cases = [
      { to: randomUUID(), reason: 'TARGET_ACCOUNT_NOT_FOUND' },
      { to: closed, reason: 'TARGET_ACCOUNT_CLOSED' },
      { to: dollars, reason: 'CURRENCY_MISMATCH' },
    ];
    const ids: string[] = [];
    for (const c of cases) ids.push(await transfer(from, c.to, 250));
    const records = await settled(db, ids);
    const movements = await movementsOf(db, ids);
    cases.forEach((c, i) => {
      expect({ to: c.to, record: records[i] }).toEqual({
        to: c.to,
        record: {
          events: ['TransferRequested', 'TransferDebited', 'TransferFailed', 'TransferRefunded'],
          finished: true,
          outcome: 'FAILED',
          reason: c.reason,
        },
      });
      expect(movements.get(ids[i])).toEqual([
        { accountId: from, type: 'MoneyWithdrawn', amount: 250 },
        { accountId: from, type: 'MoneyDeposited', amount: 250 },
      ]);
    });
    expect([
      await storedBalance(db, from),
      await storedBalance(db, closed),
      await storedBalance(db, dollars),
    ]).toEqual([1_000, 0, 0]);
    const shown = await eventually(async () => {
      const r = await call(queries.url, 'GET', `/transfers/${ids[2]}`, { headers: teller });
      return r.body.status === 'FAILED' && r.body.reason === 'CURRENCY_MISMATCH';
    }, 30_000);
    expect(shown).toBe(true);
  }, 90_000);

  it('conserves the total over 200 concurrent transfers among 10 accounts, and debits each at most once', async () => {
    const accounts = await Promise.all(Array.from({ length: 10 }, () => open(1_000)));
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const pairs = Array.from({ length: 200 }, () => {
      const from = random(10);
      return { from: accounts[from], to: accounts[(from + 1 + random(9)) % 10], amount: 1 + random(400) };
    });
    const ids = await Promise.all(pairs.map((p) => transfer(p.from, p.to, p.amount)));
    const records = await settled(db, ids, 120_000);
    expect(records.filter((r) => !r.finished)).toEqual([]);
    const total = (await Promise.all(accounts.map((a) => storedBalance(db, a)))).reduce((a, b) => a + b, 0);
    expect(total).toBe(10_000);

    const movements = await movementsOf(db, ids);
    ids.forEach((id, i) => {
      const moved = movements.get(id)!;
      const expected =
        records[i].outcome === 'COMPLETED'
          ? [
              { accountId: pairs[i].from, type: 'MoneyWithdrawn', amount: pairs[i].amount },
              { accountId: pairs[i].to, type: 'MoneyDeposited', amount: pairs[i].amount },
            ]
          : [];
      expect({ id, moved, reason: records[i].reason }).toEqual({
        id,
        moved: expected,
        reason: records[i].outcome === 'FAILED' ? 'INSUFFICIENT_FUNDS' : undefined,
      });
    });
    expect(records.some((r) => r.outcome === 'COMPLETED')).toBe(true);
  }, 180_000);

  it('replays the first answer for a repeated Idempotency-Key and starts one transfer only', async () => {
    const [from, to] = [await open(500), await open()];
    const key = `transfer-${randomUUID()}`;
    const headers = { ...teller, 'idempotency-key': key };
    const body = { fromAccountId: from, toAccountId: to, amount: 5 };
    const answers = await Promise.all(Array.from({ length: 5 }, () => post('/transfers', body, headers)));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    const transferIds = new Set(answers.map((a) => a.body.transferId));
    expect(transferIds.size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
    const other = await post('/transfers', { ...body, amount: 6 }, headers);
    expect([other.status, other.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    const [record] = await settled(db, [...transferIds] as string[]);
    expect(record.outcome).toBe('COMPLETED');
    expect([await storedBalance(db, from), await storedBalance(db, to)]).toEqual([495, 5]);
  }, 60_000);

  describe('refuses a bad request with problem+json and writes nothing', () => {
    let from: string;
    let to: string;
    beforeAll(async () => {
      [from, to] = [await open(100), await open()];
    });

    const cases: [name: string, body: () => unknown, status: number, code: string][] = [
      ['a missing amount', () => ({ fromAccountId: from, toAccountId: to }), 400, 'VALIDATION_FAILED'],
      [
        'a float amount',
        () => ({ fromAccountId: from, toAccountId: to, amount: 1.5 }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'a numeric string',
        () => ({ fromAccountId: from, toAccountId: to, amount: '10' }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'a zero amount',
        () => ({ fromAccountId: from, toAccountId: to, amount: 0 }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'a negative amount',
        () => ({ fromAccountId: from, toAccountId: to, amount: -5 }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'an amount over 10^15',
        () => ({ fromAccountId: from, toAccountId: to, amount: 1e15 + 1 }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'a non-uuid account',
        () => ({ fromAccountId: 'abc', toAccountId: to, amount: 5 }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'an unknown field',
        () => ({ fromAccountId: from, toAccountId: to, amount: 5, note: 'x' }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'an array body',
        () => [{ fromAccountId: from, toAccountId: to, amount: 5 }],
        400,
        'VALIDATION_FAILED',
      ],
      [
        'the same account twice',
        () => ({ fromAccountId: from, toAccountId: from, amount: 5 }),
        422,
        'SAME_ACCOUNT',
      ],
      [
        'a source that does not exist',
        () => ({ fromAccountId: randomUUID(), toAccountId: to, amount: 5 }),
        404,
        'ACCOUNT_NOT_FOUND',
      ],
    ];
    for (const [name, body, status, code] of cases) {
      it(`refuses ${name} (${status} ${code})`, async () => {
        const before = await eventCount();
        const res = await post('/transfers', body());
        expect([res.status, res.body.code]).toEqual([status, code]);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(await eventCount()).toBe(before);
      });
    }

    it("answers 404 to a customer moving another customer's money, and 401 without a token", async () => {
      const before = await eventCount();
      const stranger = bearer(`cust-${randomUUID()}`, ['customer']);
      const foreign = await post('/transfers', { fromAccountId: from, toAccountId: to, amount: 5 }, stranger);
      expect([foreign.status, foreign.body.code]).toEqual([404, 'ACCOUNT_NOT_FOUND']);
      const anonymous = await post('/transfers', { fromAccountId: from, toAccountId: to, amount: 5 }, {});
      expect([anonymous.status, anonymous.body.code]).toEqual([401, 'UNAUTHENTICATED']);
      expect(await eventCount()).toBe(before);
    });

    it('refuses a transfer from a closed account (422 ACCOUNT_CLOSED)', async () => {
      const empty = await open();
      expect((await post(`/accounts/${empty}/close`, undefined)).status).toBe(200);
      const before = await eventCount();
      const res = await post('/transfers', { fromAccountId: empty, toAccountId: to, amount: 5 });
      expect([res.status, res.body.code]).toEqual([422, 'ACCOUNT_CLOSED']);
      expect(await eventCount()).toBe(before);
    });
  });
});
