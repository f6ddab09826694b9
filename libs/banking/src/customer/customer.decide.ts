import { ValidationFailed } from '../errors.js';
import type { CustomerEvent } from './customer.events.js';

/** What the customer stream says about a customer: so far, whether its personal data was erased. */
export interface CustomerState {
  version: number;
  personalDataErased: boolean;
}

export const initialCustomerState = (): CustomerState => ({ version: 0, personalDataErased: false });

export function evolveCustomer(state: CustomerState, event: CustomerEvent): CustomerState {
  switch (event.type) {
    case 'CustomerPersonalDataErased':
      return { version: state.version + 1, personalDataErased: true };
  }
}

/**
 * ErasePersonalData (SPEC §8): one CustomerPersonalDataErased per customer.
 * Erasing again decides nothing — the key is already gone — so the command is
 * idempotent and the stream holds the erasure once.
 */
export function decideErasePersonalData(ownerId: string, state: CustomerState): CustomerEvent[] {
  if (typeof ownerId !== 'string' || ownerId.trim().length === 0) {
    throw new ValidationFailed('ownerId must be a non-empty string.', 'ownerId');
  }
  if (state.personalDataErased) return [];
  return [{ type: 'CustomerPersonalDataErased', data: { ownerId } }];
}
