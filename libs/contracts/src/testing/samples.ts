import {
  cloudEventHeaders,
  PUBLIC_EVENT_TYPES,
  type CloudEventHeaders,
  type PublicEventName,
  type PublicEventPayloads,
} from '../account-events.js';

/** Test support: one valid payload of every public event, as the producer shapes it. */

export const ACCOUNT_ID = '3f1c9a52-8d4e-4b7a-9c21-6e0d5b8f7a14';
export const OTHER_ACCOUNT_ID = 'b7e2d410-5c3f-4e8a-8f6d-1a9c0e2b4d63';
export const TRANSFER_ID = 'e5a1f0c8-2b7d-4c9e-a3f4-8d6b1c0e9f27';
export const EVENT_ID = '9a0c4f7e-1b2d-4e3f-8a5b-6c7d8e9f0a1b';
export const OCCURRED_AT = '2025-11-23T09:30:00.000Z';

export const VALID_PAYLOADS: { readonly [N in PublicEventName]: PublicEventPayloads[N] } = {
  AccountOpened: {
    accountId: ACCOUNT_ID,
    currency: 'EUR',
    initialDeposit: 10_000,
    balanceAfter: 10_000,
    accountVersion: 1,
    occurredAt: OCCURRED_AT,
  },
  FundsDeposited: {
    accountId: ACCOUNT_ID,
    amount: 2_500,
    currency: 'EUR',
    balanceAfter: 12_500,
    accountVersion: 2,
    occurredAt: OCCURRED_AT,
  },
  FundsWithdrawn: {
    accountId: ACCOUNT_ID,
    amount: 4_000,
    currency: 'EUR',
    balanceAfter: 8_500,
    accountVersion: 3,
    transferId: TRANSFER_ID,
    occurredAt: OCCURRED_AT,
  },
  AccountClosed: { accountId: ACCOUNT_ID, accountVersion: 5, balanceAfter: 0, occurredAt: OCCURRED_AT },
  TransferCompleted: {
    transferId: TRANSFER_ID,
    fromAccountId: ACCOUNT_ID,
    toAccountId: OTHER_ACCOUNT_ID,
    amount: 4_000,
    currency: 'EUR',
    occurredAt: OCCURRED_AT,
  },
  TransferFailed: {
    transferId: TRANSFER_ID,
    fromAccountId: ACCOUNT_ID,
    toAccountId: OTHER_ACCOUNT_ID,
    amount: 4_000,
    currency: 'EUR',
    reason: 'TARGET_ACCOUNT_CLOSED',
    occurredAt: OCCURRED_AT,
  },
};

/** The headers of a public message, as the producer builds them. */
export function headersFor(
  name: PublicEventName,
  overrides: Partial<{ id: string; subject: string; time: string; correlationId: string }> = {},
): CloudEventHeaders {
  return cloudEventHeaders({
    id: overrides.id ?? EVENT_ID,
    type: PUBLIC_EVENT_TYPES[name],
    subject: overrides.subject ?? ACCOUNT_ID,
    time: overrides.time ?? OCCURRED_AT,
    correlationId: overrides.correlationId ?? 'req-42',
  });
}

/** A deep copy, safe to mutate. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}
