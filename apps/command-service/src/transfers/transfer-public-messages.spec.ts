import { describe, expect, it } from '@jest/globals';
import {
  TRANSFER_FAILURE_REASONS,
  foldTransfer,
  type TransferEvent,
  type TransferState,
} from '@cqrs-bank/banking';
import { TRANSFER_FAILURE_REASONS as PUBLIC_REASONS, TOPICS } from '@cqrs-bank/contracts';
import type { NewEvent } from '@cqrs-bank/event-store';
import { transferPublicMessages } from './transfer-public-messages.js';

const T = '0e3c4f9e-2b7a-4a0e-8d8e-6f1c2a3b4c5d';
const FROM = '5f0c6c1e-8a51-4b8e-9d43-1f9a4c7e2b10';
const TO = '9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d';
const AT = '2026-11-23T12:00:00.000Z';

const requested: TransferEvent = {
  type: 'TransferRequested',
  data: { transferId: T, fromAccountId: FROM, toAccountId: TO, amount: 250, currency: 'EUR' },
};
const debited: TransferEvent = {
  type: 'TransferDebited',
  data: { transferId: T, accountId: FROM, amount: 250, accountVersion: 2 },
};

function published(before: TransferEvent[], events: TransferEvent[]) {
  const state: TransferState = foldTransfer(before);
  const stored: NewEvent[] = events.map((e, i) => ({
    eventId: `00000000-0000-4000-8000-00000000000${i}`,
    type: e.type,
    schemaVersion: 1,
    data: e.data,
    metadata: { correlationId: 'c-1', causationId: 'x', actor: 'a' },
  }));
  return transferPublicMessages(state, events, stored, AT).map((m) => ({
    topic: m.topic,
    key: m.key,
    id: m.headers.ce_id,
    type: m.headers.ce_type,
    payload: m.payload,
  }));
}

describe('transfer public messages', () => {
  it('keeps the domain failure reasons and the public contract’s in step', () => {
    // libs/banking and libs/contracts depend on nothing, so each holds the list.
    expect([...TRANSFER_FAILURE_REASONS]).toEqual([...PUBLIC_REASONS]);
  });

  it('publishes nothing for the request and the steps that leave the transfer open', () => {
    expect(published([], [requested])).toEqual([]);
    expect(published([requested], [debited])).toEqual([]);
    // Failed after the debit: the refund is still due, nothing is public yet.
    expect(
      published(
        [requested, debited],
        [
          {
            type: 'TransferFailed',
            data: { transferId: T, reason: 'TARGET_ACCOUNT_CLOSED', sourceDebited: true },
          },
        ],
      ),
    ).toEqual([]);
  });

  it('publishes TransferCompleted with the TransferCompleted event, keyed by the source account', () => {
    const messages = published(
      [requested, debited],
      [
        { type: 'TransferCredited', data: { transferId: T, accountId: TO, amount: 250, accountVersion: 7 } },
        { type: 'TransferCompleted', data: { transferId: T } },
      ],
    );
    expect(messages).toEqual([
      {
        topic: TOPICS.accountEvents,
        key: FROM,
        id: '00000000-0000-4000-8000-000000000001',
        type: 'bank.account.transfer-completed.v1',
        payload: {
          transferId: T,
          fromAccountId: FROM,
          toAccountId: TO,
          amount: 250,
          currency: 'EUR',
          occurredAt: AT,
        },
      },
    ]);
  });

  it('publishes TransferFailed at once when the debit was refused, and after the refund when the credit was', () => {
    const refused = published(
      [requested],
      [
        {
          type: 'TransferFailed',
          data: { transferId: T, reason: 'INSUFFICIENT_FUNDS', sourceDebited: false },
        },
      ],
    );
    expect(refused.map((m) => [m.type, (m.payload as { reason: string }).reason])).toEqual([
      ['bank.account.transfer-failed.v1', 'INSUFFICIENT_FUNDS'],
    ]);
    const refunded = published(
      [
        requested,
        debited,
        { type: 'TransferFailed', data: { transferId: T, reason: 'CURRENCY_MISMATCH', sourceDebited: true } },
      ],
      [
        {
          type: 'TransferRefunded',
          data: { transferId: T, accountId: FROM, amount: 250, accountVersion: 3 },
        },
      ],
    );
    expect(refunded.map((m) => [m.type, m.key, (m.payload as { reason: string }).reason])).toEqual([
      ['bank.account.transfer-failed.v1', FROM, 'CURRENCY_MISMATCH'],
    ]);
  });
});
