/**
 * Public integration events on `bank.account-events.v1` (SPEC §7). The Kafka
 * value is the event's data below; the envelope travels as CloudEvents 1.0
 * binary-mode headers. Amounts are integers in minor units with their
 * currency. No personal data, ever.
 */

export interface AccountOpenedV1 {
  accountId: string;
  currency: string;
  initialDeposit: number;
  balanceAfter: number;
  accountVersion: number;
  occurredAt: string;
}

export interface FundsDepositedV1 {
  accountId: string;
  amount: number;
  currency: string;
  balanceAfter: number;
  accountVersion: number;
  transferId?: string;
  occurredAt: string;
}

export interface FundsWithdrawnV1 {
  accountId: string;
  amount: number;
  currency: string;
  balanceAfter: number;
  accountVersion: number;
  transferId?: string;
  occurredAt: string;
}

export interface AccountClosedV1 {
  accountId: string;
  accountVersion: number;
  balanceAfter: number;
  occurredAt: string;
}

/** CloudEvents `ce_type` of each public event. */
export const PUBLIC_EVENT_TYPES = {
  AccountOpened: 'bank.account.opened.v1',
  FundsDeposited: 'bank.account.funds-deposited.v1',
  FundsWithdrawn: 'bank.account.funds-withdrawn.v1',
  AccountClosed: 'bank.account.closed.v1',
  TransferCompleted: 'bank.account.transfer-completed.v1',
  TransferFailed: 'bank.account.transfer-failed.v1',
} as const;

export type PublicEventName = keyof typeof PUBLIC_EVENT_TYPES;

export interface PublicEventPayloads {
  AccountOpened: AccountOpenedV1;
  FundsDeposited: FundsDepositedV1;
  FundsWithdrawn: FundsWithdrawnV1;
  AccountClosed: AccountClosedV1;
}

/** `ce_source` of events published by cqrs-bank. */
export const CE_SOURCE = '/cqrs-bank/accounts';

/** CloudEvents 1.0 Kafka binding, binary mode: the headers of one public message. */
export interface CloudEventHeaders {
  ce_specversion: '1.0';
  /** The event id: consumers deduplicate on it. */
  ce_id: string;
  ce_type: string;
  ce_source: string;
  ce_time: string;
  /** The account id. */
  ce_subject: string;
  'content-type': 'application/json';
  'correlation-id': string;
  [header: string]: string;
}

export function cloudEventHeaders(args: {
  id: string;
  type: string;
  subject: string;
  time: string;
  correlationId: string;
}): CloudEventHeaders {
  return {
    ce_specversion: '1.0',
    ce_id: args.id,
    ce_type: args.type,
    ce_source: CE_SOURCE,
    ce_time: args.time,
    ce_subject: args.subject,
    'content-type': 'application/json',
    'correlation-id': args.correlationId,
  };
}
