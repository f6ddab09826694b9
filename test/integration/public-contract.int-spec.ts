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
import { collect, createTopics } from '../support/relay.js';
import { bearer, TEST_JWT_SECRET } from '../support/tokens.js';

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

describe('the public topic honours its contract', () => {
  let app: RunningApp;
  let db: pg.Pool;
  const owner = `cust-${randomUUID()}`;
  const asOwner = bearer(owner);

  beforeAll(async () => {
    process.env.JWT_SECRET = TEST_JWT_SECRET;
    process.env.OUTBOX_RELAY = 'embedded';
    await createTopics([TOPICS.ledgerInternal, TOPICS.accountEvents], 12).catch(() => undefined);
    app = await startApp(CommandServiceModule);
    db = testPool(2);
  });
  afterAll(async () => {
    delete process.env.OUTBOX_RELAY;
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
      for (const m of seen.values()) {
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
        expect(JSON.stringify(m)).not.toContain('Grace');
      }

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
});
