import type { ExistingTransferState, TransferEvent, TransferState } from '@cqrs-bank/banking';
import { evolveTransfer, toJsonAmount } from '@cqrs-bank/banking';
import type { NewEvent, OutboxMessage } from '@cqrs-bank/event-store';
import { publicOutboxMessage, type PublicEvent } from '../commands/public-outbox-message.js';

/**
 * The public integration events (SPEC §7) of a transfer: one when it is over —
 * TransferCompleted, or TransferFailed once no money moved in the end (right
 * away when the debit was refused, after the refund when the credit was).
 * Keyed by the source account, after that account's own movements.
 */
export function transferPublicMessages(
  before: TransferState,
  events: TransferEvent[],
  stored: NewEvent[],
  occurredAt: string,
): OutboxMessage[] {
  const messages: OutboxMessage[] = [];
  let state = before;
  events.forEach((event, i) => {
    state = evolveTransfer(state, event);
    if (state.status === 'none') return;
    const ended =
      event.type === 'TransferCompleted'
        ? ('TransferCompleted' as const)
        : event.type === 'TransferRefunded' || (event.type === 'TransferFailed' && !event.data.sourceDebited)
          ? ('TransferFailed' as const)
          : undefined;
    if (!ended) return;
    const common = facts(state, occurredAt);
    const message: PublicEvent =
      ended === 'TransferCompleted'
        ? { name: ended, payload: common }
        : { name: ended, payload: { ...common, reason: state.reason! } };
    messages.push(publicOutboxMessage(message, stored[i], occurredAt));
  });
  return messages;
}

function facts(state: ExistingTransferState, occurredAt: string) {
  return {
    transferId: state.transferId,
    fromAccountId: state.fromAccountId,
    toAccountId: state.toAccountId,
    amount: toJsonAmount(state.amount),
    currency: state.currency,
    occurredAt,
  };
}
