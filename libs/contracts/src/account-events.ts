/**
 * Public integration events on `bank.account-events.v1` (SPEC §7). The Kafka
 * value is the event's data below; the envelope travels as CloudEvents 1.0
 * binary-mode headers. Amounts are integers in minor units with their
 * currency. No personal data, ever: not the owner's name, and not the owner's
 * customer id either (see README). These types and the JSON Schemas in
 * `../schemas/` describe the same shapes; tests keep them in step.
 *
 * Account events carry `accountVersion`, the account stream's version after
 * the event (1 for AccountOpened, then +1 per event, no gaps), and are keyed by
 * `accountId`. Transfer events are facts of the transfer saga, not of an
 * account stream: no `accountVersion`, keyed by `fromAccountId`.
 */

/** Key and `ce_subject`: `accountId`. `accountVersion` is always 1. */
export interface AccountOpenedV1 {
  accountId: string;
  currency: string;
  /** 0 when the account was opened without a deposit; then `balanceAfter` equals it. */
  initialDeposit: number;
  balanceAfter: number;
  accountVersion: number;
  occurredAt: string;
}

/** Key and `ce_subject`: `accountId`. A deposit, a transfer's credit, or a failed transfer's refund. */
export interface FundsDepositedV1 {
  accountId: string;
  amount: number;
  currency: string;
  balanceAfter: number;
  accountVersion: number;
  /** Set when the movement is a step of a transfer. */
  transferId?: string;
  occurredAt: string;
}

/** Key and `ce_subject`: `accountId`. A withdrawal or a transfer's debit. */
export interface FundsWithdrawnV1 {
  accountId: string;
  amount: number;
  currency: string;
  balanceAfter: number;
  accountVersion: number;
  /** Set when the movement is a step of a transfer. */
  transferId?: string;
  occurredAt: string;
}

/** Key and `ce_subject`: `accountId`. Only an empty account closes: `balanceAfter` is 0. */
export interface AccountClosedV1 {
  accountId: string;
  accountVersion: number;
  balanceAfter: number;
  occurredAt: string;
}

/** Why a transfer failed. The first two: the source was never debited; the others: it was debited, then refunded. */
export const TRANSFER_FAILURE_REASONS = [
  'INSUFFICIENT_FUNDS',
  'SOURCE_ACCOUNT_CLOSED',
  'TARGET_ACCOUNT_NOT_FOUND',
  'TARGET_ACCOUNT_CLOSED',
  'CURRENCY_MISMATCH',
  'BALANCE_LIMIT_EXCEEDED',
] as const;

export type TransferFailureReason = (typeof TRANSFER_FAILURE_REASONS)[number];

/** Key and `ce_subject`: `fromAccountId`. */
export interface TransferCompletedV1 {
  transferId: string;
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  /** The source account's currency (a transfer never converts). */
  currency: string;
  occurredAt: string;
}

/** Key and `ce_subject`: `fromAccountId`. No money moved in the end (a debited source was refunded first). */
export interface TransferFailedV1 {
  transferId: string;
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  currency: string;
  reason: TransferFailureReason;
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
  TransferCompleted: TransferCompletedV1;
  TransferFailed: TransferFailedV1;
}

/** The `ce_type` of the public event `N`. */
export type PublicEventType<N extends PublicEventName = PublicEventName> = (typeof PUBLIC_EVENT_TYPES)[N];

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
  /** The account id: the Kafka key (`accountId`, or `fromAccountId` for transfer events). */
  ce_subject: string;
  'content-type': 'application/json';
  'correlation-id': string;
  /**
   * Other headers. `ce_traceparent` / `ce_tracestate`: the CloudEvents
   * distributed-tracing extension (W3C Trace Context), only while the producer
   * records traces and sampled this event's; never required.
   */
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
