import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  PUBLIC_EVENT_TYPES,
  TRANSFER_FAILURE_REASONS,
  type PublicEventName,
  type PublicEventPayloads,
} from './account-events.js';
import { CURRENCY_PATTERN, MONEY_LIMITS } from './money.js';
import {
  CLOUD_EVENT_HEADERS_SCHEMA,
  PUBLIC_EVENTS,
  PUBLIC_EVENT_SCHEMAS,
  publicEventByCeType,
  publicEventKey,
  type JsonSchema,
} from './schemas.js';
import { TOPICS } from './topics.js';
import { compileContract, contractAjv, describeErrors } from './testing/contract-ajv.js';
import {
  ACCOUNT_ID,
  OCCURRED_AT,
  OTHER_ACCOUNT_ID,
  TRANSFER_ID,
  VALID_PAYLOADS,
  copy,
  headersFor,
} from './testing/samples.js';

const SCHEMAS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas');
const readJson = (file: string): unknown => JSON.parse(readFileSync(join(SCHEMAS_DIR, file), 'utf8'));

const NAMES = Object.keys(PUBLIC_EVENT_TYPES) as PublicEventName[];
const contract = compileContract();

type Schema = {
  $id: string;
  title: string;
  description: string;
  type: string;
  additionalProperties: unknown;
  required: string[];
  properties: Record<string, Record<string, unknown>>;
  examples?: unknown[];
};
const schemaOf = (name: PublicEventName): Schema => PUBLIC_EVENT_SCHEMAS[name] as Schema;

function expectValid(name: PublicEventName, payload: unknown): void {
  const validate = contract.events[name];
  const ok = validate(payload);
  if (!ok) throw new Error(`${name} rejected a valid payload: ${describeErrors(validate.errors)}`);
}

function expectInvalid(name: PublicEventName, payload: unknown): void {
  expect(contract.events[name](payload)).toBe(false);
}

describe('the shipped JSON Schemas', () => {
  it('are valid draft-07 schemas that compile under Ajv strict mode', () => {
    const ajv = contractAjv();
    for (const schema of [...Object.values(PUBLIC_EVENT_SCHEMAS), CLOUD_EVENT_HEADERS_SCHEMA]) {
      expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect(ajv.validateSchema(schema as object)).toBe(true);
      expect(() => contractAjv().compile(schema as object)).not.toThrow();
    }
  });

  it('are exactly the files in libs/contracts/schemas, listed in catalog.json', () => {
    const files = readdirSync(SCHEMAS_DIR).sort();
    const catalog = readJson('catalog.json') as {
      topic: string;
      headersSchema: string;
      events: { name: string; ceType: string; schema: string; keyField: string }[];
    };
    expect(catalog.topic).toBe(TOPICS.accountEvents);
    expect(catalog.headersSchema).toBe('cloudevent-headers.v1.schema.json');
    expect(catalog.events).toEqual(
      Object.values(PUBLIC_EVENTS).map((d) => ({
        name: d.name,
        ceType: d.ceType,
        schema: d.schemaFile,
        keyField: d.keyField,
      })),
    );
    expect(files).toEqual(
      ['catalog.json', catalog.headersSchema, ...catalog.events.map((e) => e.schema)].sort(),
    );
    expect(readJson(catalog.headersSchema)).toEqual(CLOUD_EVENT_HEADERS_SCHEMA);
    for (const d of Object.values(PUBLIC_EVENTS)) expect(readJson(d.schemaFile)).toEqual(d.schema);
  });

  it('map every public event name to its ce_type, schema and key field, both ways', () => {
    expect(Object.keys(PUBLIC_EVENTS)).toEqual(NAMES);
    expect(NAMES).toEqual([
      'AccountOpened',
      'FundsDeposited',
      'FundsWithdrawn',
      'AccountClosed',
      'TransferCompleted',
      'TransferFailed',
    ]);
    const ids = new Set<string>();
    for (const name of NAMES) {
      const d = PUBLIC_EVENTS[name];
      const schema = schemaOf(name);
      expect(d.name).toBe(name);
      expect(d.ceType).toBe(PUBLIC_EVENT_TYPES[name]);
      expect(d.ceType).toMatch(/^bank\.account\.[a-z]+(-[a-z]+)*\.v1$/);
      expect(d.schema).toBe(PUBLIC_EVENT_SCHEMAS[name]);
      expect(schema.title).toBe(name);
      expect(schema.$id.endsWith(`/${d.schemaFile}`)).toBe(true);
      expect(schema.description).toContain(`\`${d.ceType}\``);
      expect(schema.description).toContain(`ce_subject: ${d.keyField}`);
      expect(schema.required).toContain(d.keyField);
      expect(publicEventByCeType(d.ceType)).toBe(d);
      ids.add(schema.$id);
    }
    expect(ids.size).toBe(NAMES.length);
    expect(publicEventByCeType('bank.account.funds-withdrawn.v2')).toBeUndefined();
    expect(publicEventByCeType('FundsWithdrawn')).toBeUndefined();
  });

  it('key account events by accountId and transfer events by the source account', () => {
    expect(publicEventKey('FundsWithdrawn', VALID_PAYLOADS.FundsWithdrawn)).toBe(ACCOUNT_ID);
    expect(publicEventKey('AccountClosed', VALID_PAYLOADS.AccountClosed)).toBe(ACCOUNT_ID);
    expect(publicEventKey('TransferCompleted', VALID_PAYLOADS.TransferCompleted)).toBe(ACCOUNT_ID);
    expect(
      publicEventKey('TransferFailed', { ...VALID_PAYLOADS.TransferFailed, fromAccountId: OTHER_ACCOUNT_ID }),
    ).toBe(OTHER_ACCOUNT_ID);
  });

  it('are closed: no additional property, and every property but transferId is required', () => {
    for (const name of NAMES) {
      const schema = schemaOf(name);
      expect(schema.type).toBe('object');
      expect(schema.additionalProperties).toBe(false);
      const optional = Object.keys(schema.properties).filter((p) => !schema.required.includes(p));
      expect(optional).toEqual(name === 'FundsDeposited' || name === 'FundsWithdrawn' ? ['transferId'] : []);
      expect(schema.required.every((p) => p in schema.properties)).toBe(true);
    }
  });

  it('encode money as bounded integers in minor units with a currency (SPEC §2)', () => {
    for (const name of NAMES) {
      const { properties, required } = schemaOf(name);
      for (const [field, rule] of Object.entries(properties)) {
        if (field === 'amount') {
          expect(rule).toMatchObject({
            type: 'integer',
            minimum: MONEY_LIMITS.minAmount,
            maximum: MONEY_LIMITS.maxAmount,
          });
        }
        if (field === 'initialDeposit') {
          expect(rule).toMatchObject({ type: 'integer', minimum: 0, maximum: MONEY_LIMITS.maxAmount });
        }
        if (field === 'balanceAfter') {
          expect(rule.type).toBe('integer');
          expect(rule.minimum).toBeGreaterThanOrEqual(0);
          if ('maximum' in rule) expect(rule.maximum).toBe(MONEY_LIMITS.maxBalance);
          else expect(rule.const).toBe(0);
        }
        if (field === 'accountVersion') {
          expect(rule.type).toBe('integer');
          expect((rule.minimum ?? rule.const) as number).toBeGreaterThanOrEqual(1);
        }
        if (field === 'currency')
          expect(rule).toMatchObject({ type: 'string', pattern: CURRENCY_PATTERN.source });
        if (field.endsWith('Id')) expect(rule).toMatchObject({ type: 'string', format: 'uuid' });
        if (field === 'occurredAt') expect(rule).toMatchObject({ type: 'string', format: 'date-time' });
      }
      // An amount or a balance never travels without its currency, except on AccountClosed, whose balance is 0.
      const hasMoney = 'amount' in properties || 'initialDeposit' in properties;
      if (hasMoney) expect(required).toContain('currency');
      expect(required).toContain('occurredAt');
    }
  });

  it('carry no personal data and no owner identity', () => {
    const forbidden = /owner|name|email|phone|address|iban|birth/i;
    for (const schema of [...Object.values(PUBLIC_EVENT_SCHEMAS), CLOUD_EVENT_HEADERS_SCHEMA]) {
      const fields = Object.keys((schema as Schema).properties);
      expect(fields.filter((f) => forbidden.test(f))).toEqual([]);
    }
  });

  it('accept their own examples', () => {
    for (const name of NAMES) {
      const examples = schemaOf(name).examples ?? [];
      expect(examples.length).toBeGreaterThan(0);
      for (const example of examples) expectValid(name, example);
    }
    for (const example of (CLOUD_EVENT_HEADERS_SCHEMA as Schema).examples ?? []) {
      expect(contract.headers(example)).toBe(true);
    }
  });
});

describe('payload validation', () => {
  it.each(NAMES)('accepts a valid %s', (name) => {
    expectValid(name, VALID_PAYLOADS[name]);
  });

  /** Every required field of every event, dropped one at a time. */
  const missing = NAMES.flatMap((name) => schemaOf(name).required.map((field) => [name, field] as const));
  it.each(missing)('rejects %s without %s', (name, field) => {
    const payload: Record<string, unknown> = { ...copy(VALID_PAYLOADS[name]) };
    delete payload[field];
    expectInvalid(name, payload);
  });

  it.each(NAMES)('rejects %s with an unknown property', (name) => {
    expectInvalid(name, { ...VALID_PAYLOADS[name], note: 'hello' });
  });

  it.each(NAMES)('rejects %s carrying ownerName or ownerId', (name) => {
    expectInvalid(name, { ...VALID_PAYLOADS[name], ownerName: 'Ada Lovelace' });
    expectInvalid(name, { ...VALID_PAYLOADS[name], ownerId: 'customer-1' });
  });

  const moneyEvents = ['FundsDeposited', 'FundsWithdrawn', 'TransferCompleted', 'TransferFailed'] as const;
  const badAmounts: [string, unknown][] = [
    ['a float', 10.5],
    ['a negative amount', -100],
    ['zero', 0],
    ['more than 10^15', MONEY_LIMITS.maxAmount + 1],
    ['a numeric string', '100'],
    ['null', null],
    ['a huge unsafe number', 1e300],
  ];
  it.each(moneyEvents.flatMap((name) => badAmounts.map(([what, amount]) => [name, what, amount] as const)))(
    'rejects %s whose amount is %s',
    (name, _what, amount) => {
      expectInvalid(name, { ...VALID_PAYLOADS[name], amount });
    },
  );

  it.each(moneyEvents)('accepts %s with the smallest and the largest amount', (name) => {
    expectValid(name, { ...VALID_PAYLOADS[name], amount: MONEY_LIMITS.minAmount });
    expectValid(name, { ...VALID_PAYLOADS[name], amount: MONEY_LIMITS.maxAmount });
  });

  it('accepts an amount written as 1.0 in JSON (it is the integer 1) but not 1.5', () => {
    const text = JSON.stringify(VALID_PAYLOADS.FundsDeposited);
    expectValid('FundsDeposited', JSON.parse(text.replace('"amount":2500', '"amount":1.0')));
    expectInvalid('FundsDeposited', JSON.parse(text.replace('"amount":2500', '"amount":1.5')));
  });

  const balanceEvents = ['AccountOpened', 'FundsDeposited', 'FundsWithdrawn', 'AccountClosed'] as const;
  it.each(balanceEvents)('rejects %s with a negative, fractional or unsafe balanceAfter', (name) => {
    for (const balanceAfter of [-1, 0.5, MONEY_LIMITS.maxBalance + 1, '0']) {
      expectInvalid(name, { ...VALID_PAYLOADS[name], balanceAfter });
    }
  });

  it('accepts the largest safe balance', () => {
    expectValid('FundsDeposited', {
      ...VALID_PAYLOADS.FundsDeposited,
      balanceAfter: MONEY_LIMITS.maxBalance,
    });
  });

  it.each(balanceEvents)('rejects %s with an accountVersion that is not a positive integer', (name) => {
    for (const accountVersion of [0, -1, 2.5, '3', null]) {
      expectInvalid(name, { ...VALID_PAYLOADS[name], accountVersion });
    }
  });

  it('knows AccountOpened is version 1 and every later account event version 2 or more', () => {
    expectInvalid('AccountOpened', { ...VALID_PAYLOADS.AccountOpened, accountVersion: 2 });
    for (const name of ['FundsDeposited', 'FundsWithdrawn', 'AccountClosed'] as const) {
      expectInvalid(name, { ...VALID_PAYLOADS[name], accountVersion: 1 });
      expectValid(name, { ...VALID_PAYLOADS[name], accountVersion: 2 });
    }
  });

  it('accepts an account opened without a deposit (initialDeposit 0)', () => {
    expectValid('AccountOpened', { ...VALID_PAYLOADS.AccountOpened, initialDeposit: 0, balanceAfter: 0 });
    expectInvalid('AccountOpened', { ...VALID_PAYLOADS.AccountOpened, initialDeposit: -1 });
    expectInvalid('AccountOpened', { ...VALID_PAYLOADS.AccountOpened, initialDeposit: 0.5 });
  });

  it('rejects AccountClosed with a balance left', () => {
    expectInvalid('AccountClosed', { ...VALID_PAYLOADS.AccountClosed, balanceAfter: 1 });
  });

  const currencyEvents = ['AccountOpened', ...moneyEvents] as const;
  it.each(currencyEvents)('rejects %s whose currency is not an upper-case ISO 4217 code', (name) => {
    for (const currency of ['eur', 'EURO', 'E1R', '', 978, null]) {
      expectInvalid(name, { ...VALID_PAYLOADS[name], currency });
    }
  });

  const idFields = NAMES.flatMap((name) =>
    Object.keys(schemaOf(name).properties)
      .filter((field) => field.endsWith('Id'))
      .map((field) => [name, field] as const),
  );
  it.each(idFields)('rejects %s whose %s is not a lower-case UUID', (name, field) => {
    for (const id of ['acc-1', '', ACCOUNT_ID.toUpperCase(), `${ACCOUNT_ID}x`, `{${ACCOUNT_ID}}`, 42]) {
      expectInvalid(name, { ...VALID_PAYLOADS[name], [field]: id });
    }
  });

  it.each(NAMES)('rejects %s whose occurredAt is not an RFC 3339 date-time', (name) => {
    for (const occurredAt of [
      '2025-11-23',
      '2025-11-23 09:30:00Z',
      '2025-02-30T09:30:00Z',
      'yesterday',
      1763890200000,
    ]) {
      expectInvalid(name, { ...VALID_PAYLOADS[name], occurredAt });
    }
    expectValid(name, { ...VALID_PAYLOADS[name], occurredAt: '2025-11-23T10:30:00+01:00' });
  });

  it('accepts transferId on movements only as a UUID, and as optional', () => {
    for (const name of ['FundsDeposited', 'FundsWithdrawn'] as const) {
      expectValid(name, { ...VALID_PAYLOADS[name], transferId: TRANSFER_ID });
      const without = { ...VALID_PAYLOADS[name] };
      delete without.transferId;
      expectValid(name, without);
      expectInvalid(name, { ...VALID_PAYLOADS[name], transferId: 't-1' });
      expectInvalid(name, { ...VALID_PAYLOADS[name], transferId: null });
    }
  });

  it('accepts every documented transfer failure reason and nothing else', () => {
    for (const reason of TRANSFER_FAILURE_REASONS)
      expectValid('TransferFailed', { ...VALID_PAYLOADS.TransferFailed, reason });
    for (const reason of ['', 'UNKNOWN', 'insufficient_funds', 'Target account closed']) {
      expectInvalid('TransferFailed', { ...VALID_PAYLOADS.TransferFailed, reason });
    }
    expect((schemaOf('TransferFailed').properties.reason as { enum: string[] }).enum).toEqual([
      ...TRANSFER_FAILURE_REASONS,
    ]);
  });

  it.each(NAMES)('rejects a %s payload that is not an object', (name) => {
    for (const value of [null, [], 'x', 1, [VALID_PAYLOADS[name]]]) expectInvalid(name, value);
  });
});

describe('what the command-service publishes (apps/command-service/src/accounts/public-messages.ts)', () => {
  // The producer's shapes, rebuilt here field by field (libs never import apps): `common`
  // spread first, `transferId` only when set, balances converted from bigint with Number().
  const common = (accountVersion: number) => ({
    accountId: ACCOUNT_ID,
    accountVersion,
    occurredAt: OCCURRED_AT,
  });
  const transfer = (transferId: string | undefined): { transferId?: string } =>
    transferId ? { transferId } : {};
  const produced: { [N in keyof PublicEventPayloads]?: PublicEventPayloads[N][] } = {
    AccountOpened: [
      { ...common(1), currency: 'EUR', initialDeposit: 0, balanceAfter: Number(0n) },
      {
        ...common(1),
        currency: 'JPY',
        initialDeposit: MONEY_LIMITS.maxAmount,
        balanceAfter: MONEY_LIMITS.maxAmount,
      },
    ],
    FundsDeposited: [
      { ...common(2), amount: 1, currency: 'EUR', balanceAfter: 1, ...transfer(undefined) },
      {
        ...common(7),
        amount: 500,
        currency: 'EUR',
        balanceAfter: Number(9_007_199_254_740_991n),
        ...transfer(TRANSFER_ID),
      },
    ],
    FundsWithdrawn: [
      { ...common(3), amount: 1, currency: 'USD', balanceAfter: 0, ...transfer(undefined) },
      { ...common(4), amount: 40, currency: 'USD', balanceAfter: 60, ...transfer(TRANSFER_ID) },
    ],
    AccountClosed: [{ ...common(9), balanceAfter: Number(0n) }],
  };

  for (const [name, payloads] of Object.entries(produced) as [PublicEventName, unknown[]][]) {
    it(`validates every ${name} shape it produces, with its headers`, () => {
      for (const payload of payloads) {
        expectValid(name, payload);
        const headers = headersFor(name, { subject: ACCOUNT_ID, time: OCCURRED_AT });
        expect(contract.headers(headers)).toBe(true);
        expect(publicEventByCeType(headers.ce_type)?.name).toBe(name);
        expect(headers.ce_subject).toBe(publicEventKey(name, payload as never));
        expect(headers.ce_time).toBe((payload as { occurredAt: string }).occurredAt);
      }
    });
  }

  it('would be caught sending the internal event shapes instead', () => {
    // The internal MoneyDeposited has no currency and no accountVersion; AccountOpened v2 has the owner.
    expectInvalid('FundsDeposited', { accountId: ACCOUNT_ID, amount: 500, balanceAfter: 500 });
    expectInvalid('AccountOpened', {
      accountId: ACCOUNT_ID,
      ownerId: 'customer-1',
      ownerName: 'Ada Lovelace',
      currency: 'EUR',
      initialDeposit: 0,
    });
  });
});

describe('header validation (CloudEvents 1.0, Kafka binding, binary mode)', () => {
  const valid = headersFor('FundsWithdrawn');
  const required = (CLOUD_EVENT_HEADERS_SCHEMA as Schema).required;

  it('accepts what cloudEventHeaders() builds, for every event type', () => {
    for (const name of NAMES) expect(contract.headers(headersFor(name))).toBe(true);
  });

  it('requires exactly the SPEC §7 headers', () => {
    expect([...required].sort()).toEqual(
      [
        'ce_id',
        'ce_source',
        'ce_specversion',
        'ce_subject',
        'ce_time',
        'ce_type',
        'content-type',
        'correlation-id',
      ].sort(),
    );
    expect(Object.keys(valid).sort()).toEqual([...required].sort());
  });

  it.each(required)('rejects headers without %s', (header) => {
    const headers: Record<string, string> = { ...valid };
    delete headers[header];
    expect(contract.headers(headers)).toBe(false);
  });

  const wrong: [string, string][] = [
    ['ce_specversion', '0.3'],
    ['ce_id', 'not-a-uuid'],
    ['ce_type', 'bank.account.funds-withdrawn.v2'],
    ['ce_type', 'FundsWithdrawn'],
    ['ce_source', '/someone-else'],
    ['ce_time', '23/11/2025'],
    ['ce_subject', 'acc-1'],
    ['content-type', 'application/cloudevents+json'],
    ['correlation-id', ''],
    ['correlation-id', 'has space'],
    ['correlation-id', 'x'.repeat(201)],
  ];
  it.each(wrong)('rejects %s = %j', (header, value) => {
    expect(contract.headers({ ...valid, [header]: value })).toBe(false);
  });

  it('accepts every public ce_type, and future v1 types, but no other version or shape', () => {
    const ceType = (CLOUD_EVENT_HEADERS_SCHEMA as Schema).properties.ce_type as { pattern: string };
    for (const type of Object.values(PUBLIC_EVENT_TYPES)) expect(type).toMatch(new RegExp(ceType.pattern));
    // A new event type is a compatible change: the headers still validate, the consumer skips the type.
    expect(contract.headers({ ...valid, ce_type: 'bank.account.interest-paid.v1' })).toBe(true);
    expect(publicEventByCeType('bank.account.interest-paid.v1')).toBeUndefined();
    for (const type of [
      'bank.account.opened',
      'bank.account.Opened.v1',
      'bank.accounts.opened.v1',
      'opened.v1',
    ]) {
      expect(contract.headers({ ...valid, ce_type: type })).toBe(false);
    }
  });

  it('lets other string headers through (consumers ignore what they do not know) but not non-strings', () => {
    expect(
      contract.headers({ ...valid, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }),
    ).toBe(true);
    expect(contract.headers({ ...valid, retries: 3 })).toBe(false);
  });

  it('accepts the optional CloudEvents tracing extension, and only a well-formed traceparent', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(contract.headers({ ...valid, ce_traceparent: traceparent })).toBe(true);
    expect(contract.headers({ ...valid, ce_traceparent: traceparent, ce_tracestate: 'vendor=abc' })).toBe(
      true,
    );
    expect(contract.headers({ ...valid, ce_traceparent: 'not-a-traceparent' })).toBe(false);
    expect(contract.headers({ ...valid, ce_traceparent: traceparent.toUpperCase() })).toBe(false);
    expect(contract.headers({ ...valid, ce_tracestate: 'x'.repeat(513) })).toBe(false);
    const { required } = CLOUD_EVENT_HEADERS_SCHEMA as Schema;
    expect(required).not.toContain('ce_traceparent');
  });

  it('documents the subject as the key of each event', () => {
    const subject = (CLOUD_EVENT_HEADERS_SCHEMA as Schema).properties.ce_subject as JsonSchema;
    expect(subject.description).toMatch(/accountId/);
    expect(subject.description).toMatch(/fromAccountId/);
  });
});
