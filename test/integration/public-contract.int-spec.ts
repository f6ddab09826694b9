/**
 * Contract test (SPEC §7): real commands through command-service, published by
 * its embedded relay to the real broker, consumed from `bank.account-events.v1`
 * and checked against the JSON Schemas and headers that libs/contracts ships.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CLOUD_EVENT_HEADERS_SCHEMA,
  CONTRACT_FORMATS,
  PUBLIC_EVENT_SCHEMAS,
  TOPICS,
  publicEventByCeType,
} from '@cqrs-bank/contracts';
import { Ajv } from 'ajv';
import type pg from 'pg';
import { CommandServiceModule } from '../../apps/command-service/src/command-service.module.js';
import { call } from '../support/api.js';
import { testPool } from '../support/database.js';
import { eventually, startApp, type RunningApp } from '../support/http.js';
import { collect, type Received } from '../support/relay.js';
import { bearer } from '../support/tokens.js';
import { embeddedTransfersSetup, settled } from '../support/transfers.js';

function validators() {
  const ajv = new Ajv({ strict: true, allErrors: true });
  for (const [name, check] of Object.entries(CONTRACT_FORMATS)) ajv.addFormat(name, check);
  return {
    headers: ajv.compile(CLOUD_EVENT_HEADERS_SCHEMA as object),
    payload: Object.fromEntries(
      Object.entries(PUBLIC_EVENT_SCHEMAS).map(([name, schema]) => [name, ajv.compile(schema as object)]),
    ),
  };
}

type Validators = ReturnType<typeof validators>;

/** One public message: valid headers and payload, keyed by its subject, with the stored event's id and no name in it. */
function expectHonoursContract(v: Validators, m: Received, storedIds: Set<string>, personalData: string) {
  expect({ id: m.headers.ce_id, errors: v.headers(m.headers) ? null : v.headers.errors }).toEqual({
    id: m.headers.ce_id,
    errors: null,
  });
  const event = publicEventByCeType(m.headers.ce_type);
  expect(event).toBeDefined();
  const validate = v.payload[event!.name];
  expect({ type: event!.name, errors: validate(m.value) ? null : validate.errors }).toEqual({
    type: event!.name,
    errors: null,
  });
  expect(m.key).toBe(m.headers.ce_subject);
  expect(m.value[event!.keyField]).toBe(m.key);
  expect(storedIds.has(m.headers.ce_id)).toBe(true); // ce_id is the stored event's id
  expect(JSON.stringify(m)).not.toContain(personalData);
}

describe('the public topic honours its contract', () => {
  let app: RunningApp;
  let db: pg.Pool;
  const owner = `cust-${randomUUID()}`;
  const asOwner = bearer(owner);

  beforeAll(async () => {
    await embeddedTransfersSetup([TOPICS.ledgerInternal, TOPICS.accountEvents]);
    app = await startApp(CommandServiceModule);
    db = testPool(2);
  });
  afterAll(async () => {
    delete process.env.OUTBOX_RELAY;
    process.env.TRANSFER_SAGA = 'off';
    delete process.env.TRANSFER_SAGA_START_FROM;
    await app.close();
    await db.end();
  });

  it('publishes every accepted command as a schema-valid CloudEvent, keyed by account, without personal data', async () => {
    const consumer = await collect([TOPICS.accountEvents]);
    try {
      const post = (path: string, body: unknown) =>
        call<Record<string, unknown>>(app.url, 'POST', path, { body, headers: asOwner });
      const opened = await post('/accounts', {
        ownerId: owner,
        ownerName: 'Grace Hopper',
        currency: 'USD',
        initialDeposit: 500,
      });
      expect(opened.status).toBe(201);
      const a = opened.body.accountId as string;
      const empty = await post('/accounts', { ownerId: owner, ownerName: 'Grace Hopper', currency: 'JPY' });
      const b = empty.body.accountId as string;
      expect((await post('/deposit', { accountId: a, amount: 250 })).status).toBe(200);
      expect((await post('/withdraw', { accountId: a, amount: 750 })).status).toBe(200);
      // A refused command publishes nothing.
      expect((await post('/withdraw', { accountId: a, amount: 1 })).status).toBe(422);
      expect((await post(`/accounts/${a}/close`, undefined)).status).toBe(200);
      expect((await post('/deposit', { accountId: b, amount: 1 })).status).toBe(200);

      const ours = () => consumer.messages.filter((m) => m.key === a || m.key === b);
      expect(
        await eventually(async () => new Set(ours().map((m) => m.headers.ce_id)).size === 6, 30_000),
      ).toBe(true);

      const v = validators();
      const stored = await db.query<{ event_id: string; stream_id: string; version: string }>(
        'SELECT event_id, stream_id, version FROM events WHERE stream_id = ANY($1)',
        [[`account-${a}`, `account-${b}`]],
      );
      const storedIds = new Set(stored.rows.map((r) => r.event_id));
      const seen = new Map<string, (typeof consumer.messages)[number]>();
      for (const m of ours()) seen.set(m.headers.ce_id, m);
      for (const m of seen.values()) expectHonoursContract(v, m, storedIds, 'Grace');

      const history = (id: string) =>
        [...seen.values()]
          .filter((m) => m.key === id)
          .sort((x, y) => (x.value.accountVersion as number) - (y.value.accountVersion as number))
          .map((m) => [publicEventByCeType(m.headers.ce_type)!.name, m.value.balanceAfter]);
      expect(history(a)).toEqual([
        ['AccountOpened', 500],
        ['FundsDeposited', 750],
        ['FundsWithdrawn', 0],
        ['AccountClosed', 0],
      ]);
      expect(history(b)).toEqual([
        ['AccountOpened', 0],
        ['FundsDeposited', 1],
      ]);
    } finally {
      await consumer.stop();
    }
  }, 90_000);

  it('publishes transfers: their money movements with the transfer id, then TransferCompleted or TransferFailed', async () => {
    const consumer = await collect([TOPICS.accountEvents]);
    try {
      const post = (path: string, body: unknown) =>
        call<Record<string, unknown>>(app.url, 'POST', path, { body, headers: asOwner });
      const open = async (currency: string, initialDeposit?: number) => {
        const res = await post('/accounts', {
          ownerId: owner,
          ownerName: 'Alan Turing',
          currency,
          initialDeposit,
        });
        expect(res.status).toBe(201);
        return res.body.accountId as string;
      };
      const [x, y, z] = [await open('EUR', 1_000), await open('EUR'), await open('USD')];
      const transfer = async (to: string, amount: number) => {
        const res = await post('/transfers', { fromAccountId: x, toAccountId: to, amount });
        expect(res.status).toBe(202);
        return res.body.transferId as string;
      };
      const completed = await transfer(y, 100);
      const refused = await transfer(y, 5_000);
      const refunded = await transfer(z, 50);
      await settled(db, [completed, refused, refunded]);

      const ids = new Set([completed, refused, refunded]);
      const ours = () =>
        consumer.messages.filter((m) => [x, y, z].includes(m.key) && ids.has(m.value.transferId as string));
      expect(
        await eventually(async () => new Set(ours().map((m) => m.headers.ce_id)).size === 7, 30_000),
      ).toBe(true);
      const stored = await db.query<{ event_id: string }>(
        "SELECT event_id FROM events WHERE data->>'transferId' = ANY($1)",
        [[...ids]],
      );
      const v = validators();
      const seen = new Map(ours().map((m) => [m.headers.ce_id, m]));
      for (const m of seen.values())
        expectHonoursContract(v, m, new Set(stored.rows.map((r) => r.event_id)), 'Alan');

      // Per key in partition order: each transfer's movements, then its outcome (transfers interleave).
      const onKey = (key: string, transferId: string) =>
        [...seen.values()]
          .filter((m) => m.key === key && m.value.transferId === transferId)
          .sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)))
          .map((m) => [publicEventByCeType(m.headers.ce_type)!.name, m.value.reason ?? m.value.amount]);
      expect(onKey(x, completed)).toEqual([
        ['FundsWithdrawn', 100],
        ['TransferCompleted', 100],
      ]);
      expect(onKey(y, completed)).toEqual([['FundsDeposited', 100]]);
      expect(onKey(x, refused)).toEqual([['TransferFailed', 'INSUFFICIENT_FUNDS']]);
      expect(onKey(x, refunded)).toEqual([
        ['FundsWithdrawn', 50],
        ['FundsDeposited', 50],
        ['TransferFailed', 'CURRENCY_MISMATCH'],
      ]);
      expect(ours().filter((m) => m.key === z)).toEqual([]);
    } finally {
      await consumer.stop();
    }
  }, 90_000);
});
