import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decide, type AccountState } from '@cqrs-bank/banking';
import { AccountCommandExecutor } from '../account-command.executor.js';
import type { CommandResult } from '../../commands/command-context.js';
import { CloseAccount } from './close-account.command.js';
import { TracedCommand } from '../../commands/traced-command.js';

@CommandHandler(CloseAccount)
export class CloseAccountHandler implements ICommandHandler<CloseAccount, CommandResult> {
  constructor(private readonly executor: AccountCommandExecutor) {}

  @TracedCommand()
  execute(command: CloseAccount): Promise<CommandResult> {
    return this.executor.execute({
      accountId: command.accountId,
      context: command.context,
      status: 200,
      decide: (state) => decide({ type: 'CloseAccount', accountId: command.accountId }, state),
      respond: (state: AccountState) => ({ accountId: command.accountId, version: state.version }),
    });
  }
}
