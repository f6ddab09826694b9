import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../commands/command-context.js';

export class CloseAccount extends Command<CommandResult> {
  constructor(
    readonly accountId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
