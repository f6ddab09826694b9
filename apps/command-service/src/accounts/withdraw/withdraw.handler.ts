import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decide } from '@cqrs-bank/banking';
import { AccountCommandExecutor } from '../account-command.executor.js';
import { accountResponse } from '../account.response.js';
import type { CommandResult } from '../../commands/command-context.js';
import { WithdrawMoney } from './withdraw.command.js';
import { TracedCommand } from '../../commands/traced-command.js';

@CommandHandler(WithdrawMoney)
export class WithdrawHandler implements ICommandHandler<WithdrawMoney, CommandResult> {
  constructor(private readonly executor: AccountCommandExecutor) {}

  @TracedCommand()
  execute(command: WithdrawMoney): Promise<CommandResult> {
    return this.executor.execute({
      accountId: command.accountId,
      context: command.context,
      status: 200,
      decide: (state) =>
        decide(
          {
            type: 'WithdrawMoney',
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
