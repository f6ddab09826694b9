import accountClosed from '../schemas/account-closed.v1.schema.json' with { type: 'json' };
import accountOpened from '../schemas/account-opened.v1.schema.json' with { type: 'json' };
import cloudEventHeaders from '../schemas/cloudevent-headers.v1.schema.json' with { type: 'json' };
import fundsDeposited from '../schemas/funds-deposited.v1.schema.json' with { type: 'json' };
import fundsWithdrawn from '../schemas/funds-withdrawn.v1.schema.json' with { type: 'json' };
import transferCompleted from '../schemas/transfer-completed.v1.schema.json' with { type: 'json' };
import transferFailed from '../schemas/transfer-failed.v1.schema.json' with { type: 'json' };
import {
  PUBLIC_EVENT_TYPES,
  type PublicEventName,
  type PublicEventPayloads,
  type PublicEventType,
} from './account-events.js';

/**
 * The JSON Schemas (draft-07) of the public topic. The `.json` files in
 * `libs/contracts/schemas/` are the single source, usable from any language;
 * this module only re-exports them, with the map from event name to CloudEvents
 * type, schema and key field (also shipped as `schemas/catalog.json`).
 */

/** A JSON Schema document, as plain data for any validator. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** The headers of every public message (CloudEvents 1.0, Kafka binding, binary mode). */
export const CLOUD_EVENT_HEADERS_SCHEMA: JsonSchema = cloudEventHeaders;

/** The payload field that is the Kafka key and `ce_subject` of the public event `N`. */
export type PublicEventKeyField<N extends PublicEventName = PublicEventName> = N extends PublicEventName
  ? Extract<keyof PublicEventPayloads[N], 'accountId' | 'fromAccountId'>
  : never;

/** What the contract says about the public event `N`; without `N`, a union discriminated on `name`. */
export type PublicEventDescriptor<N extends PublicEventName = PublicEventName> = {
  [K in N]: {
    readonly name: K;
    readonly ceType: PublicEventType<K>;
    /** The payload (Kafka value) schema. */
    readonly schema: JsonSchema;
    /** The schema's file name in `libs/contracts/schemas/`. */
    readonly schemaFile: string;
    /** The payload field that is the Kafka key and `ce_subject`. */
    readonly keyField: PublicEventKeyField<K>;
  };
}[N];

/** `true` when `A` and `B` have the same keys. */
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;

const SCHEMA_DOCUMENTS = {
  AccountOpened: accountOpened,
  FundsDeposited: fundsDeposited,
  FundsWithdrawn: fundsWithdrawn,
  AccountClosed: accountClosed,
  TransferCompleted: transferCompleted,
  TransferFailed: transferFailed,
} as const;

/**
 * Compile-time guard: each payload type and its schema list the same fields.
 * When they drift, the entry's type is `never` and the assignment below fails.
 */
type CheckedSchemas = {
  readonly [N in PublicEventName]: SameKeys<
    PublicEventPayloads[N],
    (typeof SCHEMA_DOCUMENTS)[N]['properties']
  > extends true
    ? JsonSchema
    : never;
};
const checkedSchemas: CheckedSchemas = SCHEMA_DOCUMENTS;

/** The payload schema of each public event, by name. */
export const PUBLIC_EVENT_SCHEMAS: { readonly [N in PublicEventName]: JsonSchema } =
  Object.freeze(checkedSchemas);

function descriptor<N extends PublicEventName>(
  name: N,
  schemaFile: string,
  keyField: PublicEventKeyField<N>,
): PublicEventDescriptor<N> {
  const schema = PUBLIC_EVENT_SCHEMAS[name];
  return Object.freeze({ name, ceType: PUBLIC_EVENT_TYPES[name], schema, schemaFile, keyField });
}

/** Every public event: name ↔ `ce_type` ↔ payload schema ↔ key field (as `schemas/catalog.json`). */
export const PUBLIC_EVENTS: { readonly [N in PublicEventName]: PublicEventDescriptor<N> } = Object.freeze({
  AccountOpened: descriptor('AccountOpened', 'account-opened.v1.schema.json', 'accountId'),
  FundsDeposited: descriptor('FundsDeposited', 'funds-deposited.v1.schema.json', 'accountId'),
  FundsWithdrawn: descriptor('FundsWithdrawn', 'funds-withdrawn.v1.schema.json', 'accountId'),
  AccountClosed: descriptor('AccountClosed', 'account-closed.v1.schema.json', 'accountId'),
  TransferCompleted: descriptor('TransferCompleted', 'transfer-completed.v1.schema.json', 'fromAccountId'),
  TransferFailed: descriptor('TransferFailed', 'transfer-failed.v1.schema.json', 'fromAccountId'),
});

const byCeType: ReadonlyMap<string, PublicEventDescriptor> = new Map(
  Object.values(PUBLIC_EVENTS).map((d: PublicEventDescriptor) => [d.ceType, d] as const),
);

/** The public event with this `ce_type` header, or undefined for a type this contract does not know. */
export function publicEventByCeType(ceType: string): PublicEventDescriptor | undefined {
  return byCeType.get(ceType);
}

/** The Kafka key (= `ce_subject`) of a payload: its `accountId`, or `fromAccountId` for transfer events. */
export function publicEventKey<N extends PublicEventName>(name: N, payload: PublicEventPayloads[N]): string {
  const field: PropertyKey = PUBLIC_EVENTS[name].keyField;
  return (payload as unknown as Record<PropertyKey, string>)[field];
}
