import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../commands/command-context.js';

export class RequestTransfer extends Command<CommandResult> {
  constructor(
    readonly transferId: string,
    readonly fromAccountId: string,
    readonly toAccountId: string,
    readonly amount: number,
    readonly context: CommandContext,
  ) {
    super();
  }
}
