import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../commands/command-context.js';

/** Set when the movement is a step of a transfer: recorded in the event; the currency must match. */
export interface TransferLeg {
  transferId: string;
  currency: string;
}

export class WithdrawMoney extends Command<CommandResult> {
  constructor(
    readonly accountId: string,
    readonly amount: number,
    readonly context: CommandContext,
    readonly transfer?: TransferLeg,
  ) {
    super();
  }
}
