import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  DomainError,
  decideTransfer,
  nextTransferStep,
  transferRefusalReason,
  transferStreamId,
  type ExistingTransferState,
  type TransferCommand,
  type TransferState,
  type TransferStep,
} from '@cqrs-bank/banking';
import { ConcurrencyError, PostgresEventStore, type EventMetadata } from '@cqrs-bank/event-store';
import { JsonLogger, MetricsRegistry, type Actor } from '@cqrs-bank/platform';
import { createHash } from 'node:crypto';
import { Counter } from 'prom-client';
import { DepositMoney } from '../../accounts/deposit/deposit.command.js';
import { WithdrawMoney } from '../../accounts/withdraw/withdraw.command.js';
import { CommandServiceConfig } from '../../command-service.config.js';
import { requestHash, type CommandContext } from '../../commands/command-context.js';
import { TransferRepository } from '../transfer.repository.js';

/** The process manager acts with staff authority on both accounts. */
export const TRANSFER_SAGA_ACTOR: Actor = { sub: 'system:transfer-saga', roles: ['admin'] };

/** Where a step was triggered from: carried into the metadata of what it writes. */
export interface Trigger {
  correlationId: string;
  /** The event that woke the process manager. */
  causationId: string;
}

/**
 * Drives one transfer to its end (SPEC §9): debit the source → credit the
 * target → complete; a refused credit → refund the source → failed.
 *
 * - The decisions are libs/banking's (`nextTransferStep`, `decideTransfer`);
 *   the state is the transfer stream, re-read before every step.
 * - Each money movement is an ordinary account command with a deterministic
 *   Idempotency-Key (`transfer:<id>:<step>`): after a crash between moving the
 *   money and recording it, doing the step again replays the first answer
 *   instead of moving money twice.
 * - One process at a time works on a transfer (a lock on its stream), so a
 *   refused debit can never be retried by another replica after funds arrived.
 */
@Injectable()
export class TransferProcessManager {
  private readonly log;
  private readonly steps: Counter<'step' | 'outcome'>;

  constructor(
    private readonly transfers: TransferRepository,
    private readonly store: PostgresEventStore,
    private readonly commands: CommandBus,
    private readonly config: CommandServiceConfig,
    logger: JsonLogger,
    metrics: MetricsRegistry,
  ) {
    this.log = logger.pino.child({ context: 'TransferProcessManager' });
    this.steps = new Counter({
      name: 'transfer_saga_steps_total',
      help: 'Transfer steps performed, by step (debit, credit, refund) and outcome (moved, refused, stuck)',
      labelNames: ['step', 'outcome'],
      registers: [metrics.registry],
    });
  }

  /** Advances the transfer as far as it can go; resolves with its state. */
  advance(transferId: string, trigger: Trigger): Promise<TransferState> {
    return this.store.withStreamLock(transferStreamId(transferId), async (lockLost) => {
      let state = await this.transfers.load(transferId);
      for (;;) {
        const step = nextTransferStep(state);
        if (!step || state.status === 'none') return state;
        lockLost.throwIfAborted();
        const outcome = await this.perform(state, step, trigger);
        if (!outcome) return state;
        if (this.config.TRANSFER_SAGA_CRASH_AFTER === step.kind) process.kill(process.pid, 'SIGKILL');
        lockLost.throwIfAborted();
        try {
          state = await this.transfers.save(state, decideTransfer(outcome, state), this.metadata(trigger));
        } catch (err) {
          // Only a writer that ignored the lock could get here; read again and carry on from there.
          if (!(err instanceof ConcurrencyError)) throw err;
          state = await this.transfers.load(transferId);
        }
      }
    });
  }

  /** Moves the money of one step; the outcome to record, or undefined when the transfer is stuck. */
  private async perform(
    transfer: ExistingTransferState,
    step: TransferStep,
    trigger: Trigger,
  ): Promise<TransferCommand | undefined> {
    const context = this.context(transfer, step, trigger);
    const leg = { transferId: transfer.transferId, currency: step.currency };
    const amount = Number(step.amount);
    try {
      const result = await this.commands.execute(
        step.kind === 'debit'
          ? new WithdrawMoney(step.accountId, amount, context, leg)
          : new DepositMoney(step.accountId, amount, context, leg),
      );
      const accountVersion = (result.body as { version: number }).version;
      this.steps.inc({ step: step.kind, outcome: 'moved' });
      if (step.kind === 'debit') return { type: 'RecordDebit', accountVersion };
      if (step.kind === 'credit') return { type: 'RecordCredit', accountVersion };
      return { type: 'RecordRefund', accountVersion };
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      const reason = transferRefusalReason(step.kind, err.code);
      if (reason) {
        this.steps.inc({ step: step.kind, outcome: 'refused' });
        return { type: 'RecordRefusal', reason };
      }
      // Not a business outcome of this step (a refund to a source closed meanwhile):
      // retrying cannot help and blocking the partition would stall every other
      // transfer. It stays PENDING for an operator (docs/runbook.md).
      this.steps.inc({ step: step.kind, outcome: 'stuck' });
      this.log.error(
        { transferId: transfer.transferId, step: step.kind, code: err.code },
        'transfer step refused; the transfer needs an operator',
      );
      return undefined;
    }
  }

  /** The account command's context: deterministic key and fingerprint, so a repeat replays. */
  private context(transfer: ExistingTransferState, step: TransferStep, trigger: Trigger): CommandContext {
    const idempotencyKey = `transfer:${transfer.transferId}:${step.kind}`;
    return {
      actor: TRANSFER_SAGA_ACTOR,
      correlationId: trigger.correlationId,
      commandId: deterministicId(idempotencyKey),
      idempotencyKey,
      requestHash: requestHash('SAGA', step.kind, {
        transferId: transfer.transferId,
        accountId: step.accountId,
        amount: step.amount.toString(),
        currency: step.currency,
      }),
    };
  }

  /** The recorded step is caused by the event that woke the process manager. */
  private metadata(trigger: Trigger): EventMetadata {
    return {
      correlationId: trigger.correlationId,
      causationId: trigger.causationId,
      actor: TRANSFER_SAGA_ACTOR.sub,
    };
  }
}

/** A stable uuid-shaped id for a step (the causation id of what the step writes). */
function deterministicId(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
