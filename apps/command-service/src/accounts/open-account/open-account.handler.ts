import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decide } from '@cqrs-bank/banking';
import { canActOnOwner, ProblemError } from '@cqrs-bank/platform';
import { AccountCommandExecutor } from '../account-command.executor.js';
import { accountResponse } from '../account.response.js';
import type { CommandResult } from '../../commands/command-context.js';
import { OpenAccount } from './open-account.command.js';
import { TracedCommand } from '../../commands/traced-command.js';

@CommandHandler(OpenAccount)
export class OpenAccountHandler implements ICommandHandler<OpenAccount, CommandResult> {
  constructor(private readonly executor: AccountCommandExecutor) {}

  @TracedCommand()
  execute(command: OpenAccount): Promise<CommandResult> {
    const { context } = command;
    return this.executor.execute({
      accountId: command.accountId,
      context,
      status: 201,
      authorize: () => {
        if (!canActOnOwner(context.actor, command.ownerId)) {
          throw new ProblemError('FORBIDDEN', 'A customer may open accounts only for itself');
        }
      },
      decide: (state) =>
        decide(
          {
            type: 'OpenAccount',
            accountId: command.accountId,
            ownerId: command.ownerId,
            ownerName: command.ownerName,
            currency: command.currency,
            initialDeposit: command.initialDeposit === undefined ? undefined : BigInt(command.initialDeposit),
          },
          state,
        ),
      respond: accountResponse,
    });
  }
}
