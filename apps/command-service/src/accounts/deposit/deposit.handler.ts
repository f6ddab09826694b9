import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decide } from '@cqrs-bank/banking';
import { AccountCommandExecutor } from '../account-command.executor.js';
import { accountResponse } from '../account.response.js';
import type { CommandResult } from '../../commands/command-context.js';
import { DepositMoney } from './deposit.command.js';
import { TracedCommand } from '../../commands/traced-command.js';

@CommandHandler(DepositMoney)
export class DepositHandler implements ICommandHandler<DepositMoney, CommandResult> {
  constructor(private readonly executor: AccountCommandExecutor) {}

  @TracedCommand()
  execute(command: DepositMoney): Promise<CommandResult> {
    return this.executor.execute({
      accountId: command.accountId,
      context: command.context,
      status: 200,
      decide: (state) =>
        decide(
          {
            type: 'DepositMoney',
            accountId: command.accountId,
            amount: BigInt(command.amount),
            ...command.transfer,
          },
          state,
        ),
      respond: accountResponse,
    });
  }
}
