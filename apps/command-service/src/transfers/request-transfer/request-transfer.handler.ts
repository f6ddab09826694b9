import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  AccountClosedError,
  AccountNotFound,
  SameAccount,
  decideTransfer,
  initialTransferState,
} from '@cqrs-bank/banking';
import { IdempotencyKeyTaken, PostgresEventStore } from '@cqrs-bank/event-store';
import { canActOnOwner } from '@cqrs-bank/platform';
import { AccountRepository } from '../../accounts/account.repository.js';
import { eventMetadata, replayFirstAnswer, type CommandResult } from '../../commands/command-context.js';
import { TransferRepository } from '../transfer.repository.js';
import { RequestTransfer } from './request-transfer.command.js';
import { TracedCommand } from '../../commands/traced-command.js';

/**
 * Starts a transfer: checks what can be known now — the caller may act on the
 * source, which exists and is open — and records TransferRequested (with the
 * source's currency) in a new transfer stream. The process manager does the
 * rest from the committed event; its outcome is on the query side.
 */
@CommandHandler(RequestTransfer)
export class RequestTransferHandler implements ICommandHandler<RequestTransfer, CommandResult> {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly transfers: TransferRepository,
    private readonly store: PostgresEventStore,
  ) {}

  @TracedCommand()
  async execute(command: RequestTransfer): Promise<CommandResult> {
    const { context } = command;
    if (context.idempotencyKey) {
      const first = await this.store.findIdempotencyRecord(context.actor.sub, context.idempotencyKey);
      if (first) return replayFirstAnswer(first, context);
    }
    if (command.fromAccountId === command.toAccountId) throw new SameAccount();
    const source = await this.accounts.load(command.fromAccountId);
    if (source.status === 'none' || !canActOnOwner(context.actor, source.ownerId)) {
      throw new AccountNotFound(command.fromAccountId);
    }
    if (source.status === 'closed') throw new AccountClosedError(command.fromAccountId);

    const state = initialTransferState();
    const events = decideTransfer(
      {
        type: 'RequestTransfer',
        transferId: command.transferId,
        fromAccountId: command.fromAccountId,
        toAccountId: command.toAccountId,
        amount: BigInt(command.amount),
        currency: source.currency,
      },
      state,
    );
    const body = { transferId: command.transferId, status: 'PENDING' };
    const idempotency = context.idempotencyKey
      ? {
          scope: context.actor.sub,
          key: context.idempotencyKey,
          requestHash: context.requestHash,
          statusCode: 202,
          response: body,
        }
      : undefined;
    try {
      await this.transfers.save(state, events, eventMetadata(context), idempotency);
    } catch (err) {
      if (err instanceof IdempotencyKeyTaken) {
        const first = await this.store.findIdempotencyRecord(err.scope, err.key);
        if (first) return replayFirstAnswer(first, context);
      }
      throw err;
    }
    return { status: 202, body, replayed: false };
  }
}
