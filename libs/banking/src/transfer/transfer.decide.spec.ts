import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { InvalidAmount, InvalidCurrency, SameAccount, type DomainErrorCode } from '../errors.js';
import { deciderSpecification } from '../testing/given-when-then.js';
import type { TransferCommand } from './transfer.commands.js';
import { nextTransferStep, transferDecider, transferRefusalReason } from './transfer.decide.js';
import type { TransferEvent, TransferFailureReason } from './transfer.events.js';
import { foldTransfer } from './transfer.evolve.js';
import { isTransferFinished, transferOutcome, type ExistingTransferState } from './transfer.state.js';

const { given } = deciderSpecification(transferDecider);

const TRANSFER = '0e3c4f9e-2b7a-4a0e-8d8e-6f1c2a3b4c5d';
const FROM = '5f0c6c1e-8a51-4b8e-9d43-1f9a4c7e2b10';
const TO = '9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d';

const request = (
  overrides: Partial<Extract<TransferCommand, { type: 'RequestTransfer' }>> = {},
): TransferCommand => ({
  type: 'RequestTransfer',
  transferId: TRANSFER,
  fromAccountId: FROM,
  toAccountId: TO,
  amount: 250n,
  currency: 'EUR',
  ...overrides,
});
const requested: TransferEvent = {
  type: 'TransferRequested',
  data: { transferId: TRANSFER, fromAccountId: FROM, toAccountId: TO, amount: 250, currency: 'EUR' },
};
const debited = (accountVersion = 4): TransferEvent => ({
  type: 'TransferDebited',
  data: { transferId: TRANSFER, accountId: FROM, amount: 250, accountVersion },
});
const credited = (accountVersion = 7): TransferEvent => ({
  type: 'TransferCredited',
  data: { transferId: TRANSFER, accountId: TO, amount: 250, accountVersion },
});
const completed: TransferEvent = { type: 'TransferCompleted', data: { transferId: TRANSFER } };
const failed = (reason: TransferFailureReason, sourceDebited: boolean): TransferEvent => ({
  type: 'TransferFailed',
  data: { transferId: TRANSFER, reason, sourceDebited },
});
const refunded = (accountVersion = 5): TransferEvent => ({
  type: 'TransferRefunded',
  data: { transferId: TRANSFER, accountId: FROM, amount: 250, accountVersion },
});

describe('RequestTransfer', () => {
  it('records the request with the source currency', () => {
    const state = given([]).when(request()).then([requested]);
    expect(nextTransferStep(state)).toEqual({
      kind: 'debit',
      accountId: FROM,
      amount: 250n,
      currency: 'EUR',
    });
    expect(transferOutcome(state as ExistingTransferState)).toBe('PENDING');
  });

  it('refuses a transfer to the same account', () => {
    given([])
      .when(request({ toAccountId: FROM }))
      .thenThrows(SameAccount, 'SAME_ACCOUNT');
  });

  it('refuses a zero, negative or too large amount', () => {
    for (const amount of [0n, -1n, 10n ** 15n + 1n]) {
      given([]).when(request({ amount })).thenThrows(InvalidAmount, 'VALIDATION_FAILED');
    }
  });

  it('refuses an unknown currency', () => {
    given([])
      .when(request({ currency: 'XXQ' }))
      .thenThrows(InvalidCurrency, 'VALIDATION_FAILED');
  });

  it('refuses to request the same transfer twice', () => {
    given([requested]).when(request()).thenThrows(Error, 'VALIDATION_FAILED');
  });
});

describe('the happy path: debit → credit → complete', () => {
  it('records the debit, then asks for the credit', () => {
    const state = given([requested])
      .when({ type: 'RecordDebit', accountVersion: 4 })
      .then([debited(4)]);
    expect(nextTransferStep(state)).toEqual({ kind: 'credit', accountId: TO, amount: 250n, currency: 'EUR' });
  });

  it('records the credit and completes in one step', () => {
    const state = given([requested, debited()])
      .when({ type: 'RecordCredit', accountVersion: 7 })
      .then([credited(7), completed]);
    expect(nextTransferStep(state)).toBeUndefined();
    expect(isTransferFinished(state)).toBe(true);
    expect(transferOutcome(state as ExistingTransferState)).toBe('COMPLETED');
  });

  it('refuses to record a step out of order', () => {
    given([requested]).when({ type: 'RecordCredit', accountVersion: 7 }).thenThrows(Error);
    given([requested, debited()]).when({ type: 'RecordDebit', accountVersion: 4 }).thenThrows(Error);
    given([requested, debited(), credited(), completed])
      .when({ type: 'RecordRefusal', reason: 'TARGET_ACCOUNT_CLOSED' })
      .thenThrows(Error);
  });
});

describe('failures', () => {
  it('a refused debit fails the transfer with no money moved and nothing left to do', () => {
    const state = given([requested])
      .when({ type: 'RecordRefusal', reason: 'INSUFFICIENT_FUNDS' })
      .then([failed('INSUFFICIENT_FUNDS', false)]);
    expect(nextTransferStep(state)).toBeUndefined();
    expect(transferOutcome(state as ExistingTransferState)).toBe('FAILED');
  });

  it('a refused credit fails the transfer and asks for a refund of the source', () => {
    const state = given([requested, debited()])
      .when({ type: 'RecordRefusal', reason: 'TARGET_ACCOUNT_NOT_FOUND' })
      .then([failed('TARGET_ACCOUNT_NOT_FOUND', true)]);
    expect(nextTransferStep(state)).toEqual({
      kind: 'refund',
      accountId: FROM,
      amount: 250n,
      currency: 'EUR',
    });
    // Not over until the money is back.
    expect(transferOutcome(state as ExistingTransferState)).toBe('PENDING');
  });

  it('the refund ends it as FAILED', () => {
    const state = given([requested, debited(), failed('CURRENCY_MISMATCH', true)])
      .when({ type: 'RecordRefund', accountVersion: 5 })
      .then([refunded(5)]);
    expect(nextTransferStep(state)).toBeUndefined();
    expect(transferOutcome(state as ExistingTransferState)).toBe('FAILED');
  });

  it('refuses a debit reason for the credit and a credit reason for the debit', () => {
    given([requested]).when({ type: 'RecordRefusal', reason: 'TARGET_ACCOUNT_CLOSED' }).thenThrows(Error);
    given([requested, debited()])
      .when({ type: 'RecordRefusal', reason: 'INSUFFICIENT_FUNDS' })
      .thenThrows(Error);
  });

  it('refuses a refund when none is due', () => {
    given([requested, failed('INSUFFICIENT_FUNDS', false)])
      .when({ type: 'RecordRefund', accountVersion: 3 })
      .thenThrows(Error);
  });
});

describe('transferRefusalReason', () => {
  it('maps the account refusals of each step to a failure reason', () => {
    const cases: [kind: 'debit' | 'credit' | 'refund', code: DomainErrorCode, reason: string | undefined][] =
      [
        ['debit', 'INSUFFICIENT_FUNDS', 'INSUFFICIENT_FUNDS'],
        ['debit', 'ACCOUNT_CLOSED', 'SOURCE_ACCOUNT_CLOSED'],
        ['debit', 'ACCOUNT_NOT_FOUND', undefined],
        ['credit', 'ACCOUNT_NOT_FOUND', 'TARGET_ACCOUNT_NOT_FOUND'],
        ['credit', 'ACCOUNT_CLOSED', 'TARGET_ACCOUNT_CLOSED'],
        ['credit', 'CURRENCY_MISMATCH', 'CURRENCY_MISMATCH'],
        ['credit', 'BALANCE_LIMIT_EXCEEDED', 'BALANCE_LIMIT_EXCEEDED'],
        ['credit', 'INSUFFICIENT_FUNDS', undefined],
        ['refund', 'ACCOUNT_CLOSED', undefined],
      ];
    for (const [kind, code, reason] of cases)
      expect([kind, code, transferRefusalReason(kind, code)]).toEqual([kind, code, reason]);
  });
});

describe('any run of the process manager', () => {
  it('ends finished, moved the money exactly once or not at all, after at most four steps', () => {
    const outcome = fc.constantFrom('ok', 'refused');
    fc.assert(
      fc.property(fc.array(outcome, { minLength: 4, maxLength: 4 }), (outcomes) => {
        let events: TransferEvent[] = [requested];
        let state = foldTransfer(events);
        let moved = { debit: 0, credit: 0, refund: 0 };
        for (const result of outcomes) {
          const next = nextTransferStep(state);
          if (!next) break;
          const refusal = next.kind === 'debit' ? 'INSUFFICIENT_FUNDS' : 'TARGET_ACCOUNT_CLOSED';
          // A refund is never refused for a business reason.
          const command: TransferCommand =
            result === 'refused' && next.kind !== 'refund'
              ? { type: 'RecordRefusal', reason: refusal }
              : next.kind === 'debit'
                ? { type: 'RecordDebit', accountVersion: 2 }
                : next.kind === 'credit'
                  ? { type: 'RecordCredit', accountVersion: 2 }
                  : { type: 'RecordRefund', accountVersion: 3 };
          if (command.type !== 'RecordRefusal') moved = { ...moved, [next.kind]: moved[next.kind] + 1 };
          events = [...events, ...transferDecider.decide(command, state)];
          state = foldTransfer(events);
        }
        expect(isTransferFinished(state)).toBe(true);
        // The source's net change is -amount (completed) or 0 (failed); the target's +amount or 0.
        expect(moved.refund).toBeLessThanOrEqual(moved.debit);
        expect(moved.debit - moved.refund).toBe(moved.credit);
        expect(transferOutcome(state as ExistingTransferState)).toBe(
          moved.credit === 1 ? 'COMPLETED' : 'FAILED',
        );
      }),
    );
  });
});
