import { CorruptDataError } from '../errors.js';

/**
 * Events of the customer stream `customer-<ownerId>`: facts about a customer
 * rather than one of its accounts. The only one so far records the erasure
 * of the customer's personal data (SPEC §8): it carries no personal data itself.
 */

export const CUSTOMER_STREAM_TYPE = 'customer';
const STREAM_PREFIX = `${CUSTOMER_STREAM_TYPE}-`;

export function customerStreamId(ownerId: string): string {
  return STREAM_PREFIX + ownerId;
}

export const CUSTOMER_EVENT_SCHEMA_VERSIONS = {
  CustomerPersonalDataErased: 1,
} as const;

/**
 * The owner's data key was destroyed in the same transaction: every name sealed
 * under it is unreadable from now on, and read models replace it by "[erased]".
 */
export type CustomerPersonalDataErasedData = {
  ownerId: string;
};

export type CustomerPersonalDataErased = {
  type: 'CustomerPersonalDataErased';
  data: CustomerPersonalDataErasedData;
};

export type CustomerEvent = CustomerPersonalDataErased;

/** A stored customer event as a typed CustomerEvent; CorruptDataError for anything else. */
export function parseCustomerEvent(event: { type: string; data: unknown }): CustomerEvent {
  const { type, data } = event;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CorruptDataError(`${type} event data is not an object`);
  }
  if (type !== 'CustomerPersonalDataErased') {
    throw new CorruptDataError(`unknown customer event type ${JSON.stringify(type)}`);
  }
  const ownerId = (data as Record<string, unknown>).ownerId;
  if (typeof ownerId !== 'string' || ownerId.length === 0) {
    throw new CorruptDataError(`${type}.ownerId is not a non-empty string`);
  }
  return { type, data: { ownerId } };
}
