import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AccountCommandExecutor } from './account-command.executor.js';
import { AccountRepository } from './account.repository.js';
import { CloseAccountController } from './close-account/close-account.controller.js';
import { CloseAccountHandler } from './close-account/close-account.handler.js';
import { DepositController } from './deposit/deposit.controller.js';
import { DepositHandler } from './deposit/deposit.handler.js';
import { OpenAccountController } from './open-account/open-account.controller.js';
import { OpenAccountHandler } from './open-account/open-account.handler.js';
import { WithdrawController } from './withdraw/withdraw.controller.js';
import { WithdrawHandler } from './withdraw/withdraw.handler.js';

/** Open, deposit, withdraw, close: one vertical slice per command. */
@Module({
  imports: [CqrsModule],
  controllers: [OpenAccountController, DepositController, WithdrawController, CloseAccountController],
  providers: [
    AccountRepository,
    AccountCommandExecutor,
    OpenAccountHandler,
    DepositHandler,
    WithdrawHandler,
    CloseAccountHandler,
  ],
  exports: [AccountRepository],
})
export class AccountsModule {}
