import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../commands/command-context.js';
import type { TransferLeg } from '../withdraw/withdraw.command.js';

export class DepositMoney extends Command<CommandResult> {
  constructor(
    readonly accountId: string,
    readonly amount: number,
    readonly context: CommandContext,
    readonly transfer?: TransferLeg,
  ) {
    super();
  }
}
