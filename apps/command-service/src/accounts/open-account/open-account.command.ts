import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../commands/command-context.js';

export class OpenAccount extends Command<CommandResult> {
  constructor(
    readonly accountId: string,
    readonly ownerId: string,
    readonly ownerName: string,
    readonly currency: string,
    readonly initialDeposit: number | undefined,
    readonly context: CommandContext,
  ) {
    super();
  }
}
