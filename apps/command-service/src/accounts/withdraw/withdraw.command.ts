import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../commands/command-context.js';

export class WithdrawMoney extends Command<CommandResult> {
  constructor(
    readonly accountId: string,
    readonly amount: number,
    readonly context: CommandContext,
  ) {
    super();
  }
}
