import { isValidCurrency } from '../currency.js';
import { InvalidCommand, InvalidCurrency, SameAccount, type DomainErrorCode } from '../errors.js';
import { assertValidAmount, toJsonAmount } from '../money.js';
import { MAX_ID_LENGTH } from '../account/account.decide.js';
import type { RequestTransfer, TransferCommand } from './transfer.commands.js';
import type { TransferEvent, TransferFailureReason } from './transfer.events.js';
import { evolveTransfer } from './transfer.evolve.js';
import { initialTransferState, type ExistingTransferState, type TransferState } from './transfer.state.js';

/**
 * The transfer process manager's decisions (SPEC §9), pure. A transfer is:
 * debit the source → credit the target → complete. A refused debit fails it
 * with no money moved; a refused credit fails it and refunds the source.
 * `nextTransferStep` says what to do next; the outcome of doing it is fed back
 * as a Record* command whose events move the state on.
 */
export function decideTransfer(command: TransferCommand, state: TransferState): TransferEvent[] {
  if (command.type === 'RequestTransfer') return [requestTransfer(command, state)];
  const transfer = requireExisting(state);
  const transferId = transfer.transferId;
  switch (command.type) {
    case 'RecordDebit':
      requireStatus(transfer, 'requested', command.type);
      return [
        { type: 'TransferDebited', data: step(transfer, transfer.fromAccountId, command.accountVersion) },
      ];
    case 'RecordCredit':
      requireStatus(transfer, 'debited', command.type);
      return [
        { type: 'TransferCredited', data: step(transfer, transfer.toAccountId, command.accountVersion) },
        { type: 'TransferCompleted', data: { transferId } },
      ];
    case 'RecordRefund':
      if (transfer.status !== 'failed' || !transfer.sourceDebited) {
        throw new Error(`RecordRefund in status ${transfer.status}`);
      }
      return [
        { type: 'TransferRefunded', data: step(transfer, transfer.fromAccountId, command.accountVersion) },
      ];
    case 'RecordRefusal': {
      if (transfer.status !== 'requested' && transfer.status !== 'debited') {
        throw new Error(`RecordRefusal in status ${transfer.status}`);
      }
      const sourceDebited = transfer.status === 'debited';
      if (DEBIT_REASONS.has(command.reason) === sourceDebited) {
        throw new Error(`${command.reason} cannot refuse the ${sourceDebited ? 'credit' : 'debit'}`);
      }
      return [{ type: 'TransferFailed', data: { transferId, reason: command.reason, sourceDebited } }];
    }
  }
}

/** The transfer aggregate in Emmett's Decider shape. */
export const transferDecider = {
  decide: decideTransfer,
  evolve: evolveTransfer,
  initialState: initialTransferState,
} as const;

/** A money movement the process manager performs on an account, for a transfer. */
export type TransferStep = {
  kind: 'debit' | 'credit' | 'refund';
  accountId: string;
  amount: bigint;
  /** The deposit or withdrawal must be in this currency (the source's). */
  currency: string;
};

/** What the process manager does next, or undefined when nothing is left to do. */
export function nextTransferStep(state: TransferState): TransferStep | undefined {
  if (state.status === 'none') return undefined;
  const { amount, currency } = state;
  switch (state.status) {
    case 'requested':
      return { kind: 'debit', accountId: state.fromAccountId, amount, currency };
    case 'debited':
      return { kind: 'credit', accountId: state.toAccountId, amount, currency };
    case 'failed':
      return state.sourceDebited
        ? { kind: 'refund', accountId: state.fromAccountId, amount, currency }
        : undefined;
    default:
      return undefined;
  }
}

const DEBIT_REASONS = new Set<TransferFailureReason>(['INSUFFICIENT_FUNDS', 'SOURCE_ACCOUNT_CLOSED']);

const REFUSALS: Record<'debit' | 'credit', Partial<Record<DomainErrorCode, TransferFailureReason>>> = {
  debit: { INSUFFICIENT_FUNDS: 'INSUFFICIENT_FUNDS', ACCOUNT_CLOSED: 'SOURCE_ACCOUNT_CLOSED' },
  credit: {
    ACCOUNT_NOT_FOUND: 'TARGET_ACCOUNT_NOT_FOUND',
    ACCOUNT_CLOSED: 'TARGET_ACCOUNT_CLOSED',
    CURRENCY_MISMATCH: 'CURRENCY_MISMATCH',
    BALANCE_LIMIT_EXCEEDED: 'BALANCE_LIMIT_EXCEEDED',
  },
};

/**
 * The failure reason when an account refuses a step with this domain error,
 * or undefined when the refusal is not a business outcome of that step (a
 * refund is never refused for a business reason: it is retried).
 */
export function transferRefusalReason(
  kind: TransferStep['kind'],
  code: DomainErrorCode,
): TransferFailureReason | undefined {
  return kind === 'refund' ? undefined : REFUSALS[kind][code];
}

function requestTransfer(command: RequestTransfer, state: TransferState): TransferEvent {
  const transferId = requireId(command.transferId, 'transferId');
  const fromAccountId = requireId(command.fromAccountId, 'fromAccountId');
  const toAccountId = requireId(command.toAccountId, 'toAccountId');
  assertValidAmount(command.amount);
  if (!isValidCurrency(command.currency)) throw new InvalidCurrency();
  if (fromAccountId === toAccountId) throw new SameAccount();
  if (state.status !== 'none') throw new InvalidCommand('This transfer was already requested.', 'transferId');
  return {
    type: 'TransferRequested',
    data: {
      transferId,
      fromAccountId,
      toAccountId,
      amount: toJsonAmount(command.amount),
      currency: command.currency,
    },
  };
}

function step(transfer: ExistingTransferState, accountId: string, accountVersion: number) {
  if (!Number.isSafeInteger(accountVersion) || accountVersion < 1) {
    throw new InvalidCommand('accountVersion must be a positive integer.', 'accountVersion');
  }
  return {
    transferId: transfer.transferId,
    accountId,
    amount: toJsonAmount(transfer.amount),
    accountVersion,
  };
}

function requireExisting(state: TransferState): ExistingTransferState {
  if (state.status === 'none') throw new Error('the transfer was never requested');
  return state;
}

function requireStatus(
  transfer: ExistingTransferState,
  status: ExistingTransferState['status'],
  command: string,
) {
  if (transfer.status !== status) throw new Error(`${command} in status ${transfer.status}`);
}

function requireId(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > MAX_ID_LENGTH) {
    throw new InvalidCommand(
      `${field} must be a non-empty string of at most ${MAX_ID_LENGTH} characters.`,
      field,
    );
  }
  return value;
}
