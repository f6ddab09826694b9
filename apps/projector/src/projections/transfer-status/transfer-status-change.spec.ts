import { describe, expect, it } from '@jest/globals';
import type { TransferEvent } from '@cqrs-bank/banking';
import { foldTransferEvent, type TransferStatusChange } from './transfer-status-change.js';

const transferId = '7f1d1a52-3c4e-4b6a-9a8e-0d2f5c1b9e01';
const from = '11111111-1111-4111-8111-111111111111';
const to = '22222222-2222-4222-8222-222222222222';
const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 0, minute));

const requested: TransferEvent = {
  type: 'TransferRequested',
  data: { transferId, fromAccountId: from, toAccountId: to, amount: 300, currency: 'EUR' },
};
const step = (type: 'TransferDebited' | 'TransferCredited' | 'TransferRefunded', accountId: string) =>
  ({ type, data: { transferId, accountId, amount: 300, accountVersion: 2 } }) as TransferEvent;
const completed: TransferEvent = { type: 'TransferCompleted', data: { transferId } };
const failed = (sourceDebited: boolean): TransferEvent => ({
  type: 'TransferFailed',
  data: { transferId, reason: sourceDebited ? 'TARGET_ACCOUNT_CLOSED' : 'INSUFFICIENT_FUNDS', sourceDebited },
});

/** Folds `events` as versions first, first + 1, … on top of `start`. */
function fold(events: TransferEvent[], start?: TransferStatusChange, first = 1): TransferStatusChange {
  let change = start;
  events.forEach((e, i) => (change = foldTransferEvent(change, transferId, first + i, e, at(first + i))));
  return change!;
}

describe('foldTransferEvent', () => {
  it('makes a new PENDING row of TransferRequested', () => {
    expect(fold([requested])).toEqual({
      transferId,
      requested: { fromAccountId: from, toAccountId: to, amount: 300, currency: 'EUR', requestedAt: at(1) },
      status: 'PENDING',
      reason: null,
      version: 1,
      updatedAt: at(1),
    });
  });

  it('completes a transfer whose whole stream is in one batch: one insert, COMPLETED', () => {
    const change = fold([requested, step('TransferDebited', from), step('TransferCredited', to), completed]);
    expect(change).toMatchObject({ status: 'COMPLETED', reason: null, version: 4, updatedAt: at(4) });
    expect(change.requested).toMatchObject({ requestedAt: at(1) });
  });

  it('fails at once when the source was never debited', () => {
    expect(fold([requested, failed(false)])).toMatchObject({
      status: 'FAILED',
      reason: 'INSUFFICIENT_FUNDS',
      version: 2,
    });
  });

  it('stays PENDING after a refused credit until the refund lands, keeping the reason', () => {
    const refused = fold([requested, step('TransferDebited', from), failed(true)]);
    expect(refused).toMatchObject({ status: 'PENDING', reason: 'TARGET_ACCOUNT_CLOSED', version: 3 });
    expect(fold([step('TransferRefunded', from)], refused, 4)).toMatchObject({
      status: 'FAILED',
      reason: 'TARGET_ACCOUNT_CLOSED',
      version: 4,
    });
  });

  it('leaves status and reason to the existing row (null) when the batch starts mid-stream', () => {
    const debited = fold([step('TransferDebited', from)], undefined, 2);
    expect(debited).toEqual({ transferId, status: null, reason: null, version: 2, updatedAt: at(2) });
    expect(fold([failed(true)], debited, 3)).toEqual({
      transferId,
      status: null,
      reason: 'TARGET_ACCOUNT_CLOSED',
      version: 3,
      updatedAt: at(3),
    });
    expect(fold([step('TransferRefunded', from)], undefined, 4)).toMatchObject({
      status: 'FAILED',
      reason: null,
    });
  });

  it('refuses a second TransferRequested in one stream', () => {
    expect(() => fold([requested, requested])).toThrow(/requested again at version 2/);
  });
});
