import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  PUBLIC_EVENT_TYPES,
  TRANSFER_FAILURE_REASONS,
  cloudEventHeaders,
  type AccountClosedV1,
  type AccountOpenedV1,
  type FundsDepositedV1,
  type FundsWithdrawnV1,
  type PublicEventName,
  type PublicEventPayloads,
  type TransferCompletedV1,
  type TransferFailedV1,
} from './account-events.js';
import { isDateTime, isUuid } from './formats.js';
import { MONEY_LIMITS } from './money.js';
import { PUBLIC_EVENT_SCHEMAS, publicEventKey } from './schemas.js';
import { compileContract, describeErrors } from './testing/contract-ajv.js';

// Property tests: payloads generated from the TypeScript types validate against the
// shipped schemas (also after a JSON round trip, as they travel), and any single
// contract-breaking mutation of a valid payload is rejected.

const contract = compileContract();

const uuid = fc.uuid();
const currency = fc.string({
  unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
  minLength: 3,
  maxLength: 3,
});
const bigIntAsNumber = (min: number, max: number) =>
  fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map((n) => Number(n));
const amount = fc.oneof(
  fc.integer({ min: MONEY_LIMITS.minAmount, max: 1_000_000 }),
  bigIntAsNumber(MONEY_LIMITS.minAmount, MONEY_LIMITS.maxAmount),
  fc.constantFrom(MONEY_LIMITS.minAmount, MONEY_LIMITS.maxAmount),
);
const balance = fc.oneof(
  fc.integer({ min: 0, max: 1_000_000 }),
  bigIntAsNumber(0, MONEY_LIMITS.maxBalance),
  fc.constantFrom(0, MONEY_LIMITS.maxBalance),
);
const laterVersion = fc.oneof(fc.integer({ min: 2, max: 1_000 }), fc.integer({ min: 2, max: 2 ** 31 - 1 }));
const occurredAt = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

const accountOpened: fc.Arbitrary<AccountOpenedV1> = fc
  .record({ accountId: uuid, currency, initialDeposit: fc.oneof(fc.constant(0), amount), occurredAt })
  .map((r) => ({ ...r, balanceAfter: r.initialDeposit, accountVersion: 1 }));
const movement = {
  accountId: uuid,
  amount,
  currency,
  balanceAfter: balance,
  accountVersion: laterVersion,
  transferId: uuid,
  occurredAt,
};
const movementRequired = [
  'accountId',
  'amount',
  'currency',
  'balanceAfter',
  'accountVersion',
  'occurredAt',
] as const;
const fundsDeposited: fc.Arbitrary<FundsDepositedV1> = fc
  .record(movement, { requiredKeys: [...movementRequired] })
  .map((r) => ({ ...r, balanceAfter: Math.max(r.balanceAfter, 1) }));
const fundsWithdrawn: fc.Arbitrary<FundsWithdrawnV1> = fc.record(movement, {
  requiredKeys: [...movementRequired],
});
const accountClosed: fc.Arbitrary<AccountClosedV1> = fc.record({
  accountId: uuid,
  accountVersion: laterVersion,
  balanceAfter: fc.constant(0),
  occurredAt,
});
const transfer = { transferId: uuid, fromAccountId: uuid, toAccountId: uuid, amount, currency, occurredAt };
const transferCompleted: fc.Arbitrary<TransferCompletedV1> = fc.record(transfer);
const transferFailed: fc.Arbitrary<TransferFailedV1> = fc.record({
  ...transfer,
  reason: fc.constantFrom(...TRANSFER_FAILURE_REASONS),
});

type AnyEvent = { [N in PublicEventName]: { name: N; payload: PublicEventPayloads[N] } }[PublicEventName];
const tagged = <N extends PublicEventName>(name: N, arb: fc.Arbitrary<PublicEventPayloads[N]>) =>
  arb.map((payload) => ({ name, payload }) as AnyEvent);
const anyEvent: fc.Arbitrary<AnyEvent> = fc.oneof(
  tagged('AccountOpened', accountOpened),
  tagged('FundsDeposited', fundsDeposited),
  tagged('FundsWithdrawn', fundsWithdrawn),
  tagged('AccountClosed', accountClosed),
  tagged('TransferCompleted', transferCompleted),
  tagged('TransferFailed', transferFailed),
);

type Payload = Record<string, unknown>;
type Mutation = {
  what: string;
  apply: (payload: Payload, name: PublicEventName) => fc.Arbitrary<Payload> | undefined;
};

const properties = (name: PublicEventName): Record<string, unknown> =>
  (PUBLIC_EVENT_SCHEMAS[name] as { properties: Record<string, unknown> }).properties;
const required = (name: PublicEventName): string[] =>
  (PUBLIC_EVENT_SCHEMAS[name] as { required: string[] }).required;
const set =
  (payload: Payload, field: string) =>
  (value: unknown): Payload => ({ ...payload, [field]: value });
const whenPresent =
  (field: string, arb: fc.Arbitrary<unknown>) =>
  (payload: Payload): fc.Arbitrary<Payload> | undefined =>
    field in payload ? arb.map(set(payload, field)) : undefined;

const notAUuid = fc
  .oneof(
    fc.string(),
    uuid.map((s) => s.toUpperCase()),
    uuid.map((s) => s.replaceAll('-', '')),
  )
  .filter((s) => !isUuid(s));
const notAnId = (payload: Payload): fc.Arbitrary<Payload> | undefined => {
  const ids = Object.keys(payload).filter((k) => k.endsWith('Id'));
  return ids.length
    ? fc.tuple(fc.constantFrom(...ids), notAUuid).map(([k, v]) => set(payload, k)(v))
    : undefined;
};
const otherJsonType = fc.constantFrom<unknown>(null, true, [], {}, [1]);

const MUTATIONS: Mutation[] = [
  {
    what: 'an unknown property',
    apply: (payload, name) =>
      fc
        .tuple(
          fc.string({ minLength: 1 }).filter((k) => !(k in properties(name)) && k !== '__proto__'),
          fc.jsonValue(),
        )
        .map(([k, v]) => set(payload, k)(v)),
  },
  { what: "the owner's name", apply: (payload) => fc.string().map(set(payload, 'ownerName')) },
  {
    what: "the owner's customer id",
    apply: (payload) => fc.oneof(uuid, fc.string()).map(set(payload, 'ownerId')),
  },
  {
    what: 'a required field removed',
    apply: (payload, name) =>
      fc.constantFrom(...required(name)).map((field) => {
        const copy = { ...payload };
        delete copy[field];
        return copy;
      }),
  },
  {
    what: 'a field of another JSON type',
    apply: (payload) =>
      fc.tuple(fc.constantFrom(...Object.keys(payload)), otherJsonType).map(([k, v]) => set(payload, k)(v)),
  },
  {
    what: 'a fractional amount',
    apply: (p) => whenPresent('amount', fc.constant(Math.trunc(p.amount as number) + 0.5))(p),
  },
  {
    what: 'a zero or negative amount',
    apply: whenPresent('amount', fc.integer({ min: -1_000_000_000, max: 0 })),
  },
  {
    what: 'an amount above 10^15',
    apply: whenPresent('amount', bigIntAsNumber(MONEY_LIMITS.maxAmount + 1, Number.MAX_SAFE_INTEGER)),
  },
  { what: 'an amount as a string', apply: (p) => whenPresent('amount', fc.constant(String(p.amount)))(p) },
  {
    what: 'a negative balanceAfter',
    apply: whenPresent('balanceAfter', fc.integer({ min: -1_000_000, max: -1 })),
  },
  {
    what: 'a fractional balanceAfter',
    apply: (p) => whenPresent('balanceAfter', fc.constant(Math.min(p.balanceAfter as number, 1e12) + 0.5))(p),
  },
  {
    what: 'an accountVersion below 1',
    apply: whenPresent('accountVersion', fc.integer({ min: -1_000, max: 0 })),
  },
  {
    what: 'a lower-case or malformed currency',
    apply: whenPresent(
      'currency',
      fc.string().filter((s) => !/^[A-Z]{3}$/.test(s)),
    ),
  },
  { what: 'an id that is not a lower-case UUID', apply: notAnId },
  {
    what: 'a malformed occurredAt',
    apply: whenPresent(
      'occurredAt',
      fc.string().filter((s) => !isDateTime(s)),
    ),
  },
  {
    what: 'an unknown transfer failure reason',
    apply: whenPresent(
      'reason',
      fc.string().filter((s) => !(TRANSFER_FAILURE_REASONS as readonly string[]).includes(s)),
    ),
  },
];

const mutated = anyEvent.chain((event) => {
  const payload = event.payload as unknown as Payload;
  const applicable = MUTATIONS.flatMap((m) => {
    const arb = m.apply(payload, event.name);
    return arb ? [arb.map((value) => ({ name: event.name, what: m.what, value }))] : [];
  });
  return fc.oneof(...applicable);
});

describe('the contract, property-based', () => {
  it('accepts every payload built from the TypeScript types, also after a JSON round trip', () => {
    fc.assert(
      fc.property(anyEvent, ({ name, payload }) => {
        for (const candidate of [payload, JSON.parse(JSON.stringify(payload))]) {
          const validate = contract.events[name];
          if (!validate(candidate)) throw new Error(`${name}: ${describeErrors(validate.errors)}`);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('rejects any payload with one contract-breaking mutation', () => {
    fc.assert(
      fc.property(mutated, ({ name, what, value }) => {
        if (contract.events[name](value))
          throw new Error(`${name} accepted ${what}: ${JSON.stringify(value)}`);
      }),
      { numRuns: 1_000 },
    );
  });

  it('accepts the headers cloudEventHeaders() builds for any event, with the payload key as subject', () => {
    const correlationId = fc.string({
      unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
      minLength: 1,
      maxLength: 200,
    });
    fc.assert(
      fc.property(anyEvent, uuid, correlationId, ({ name, payload }, id, corr) => {
        const headers = cloudEventHeaders({
          id,
          type: PUBLIC_EVENT_TYPES[name],
          subject: publicEventKey(name, payload as never),
          time: payload.occurredAt,
          correlationId: corr,
        });
        expect(contract.headers(headers)).toBe(true);
        expect(contract.headers({ ...headers, ce_type: headers.ce_type.replace('.v1', '.v2') })).toBe(false);
        expect(contract.headers({ ...headers, ce_id: id.slice(1) })).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
