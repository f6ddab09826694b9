import { Module } from '@nestjs/common';
import { ReadYourWritesModule } from '../read-your-writes/read-your-writes.module.js';
import { AccountReadModelsRepository } from './account-read-models.repository.js';
import { AccountReader } from './account-reader.js';
import { AccountSummaryController } from './account-summary/account-summary.controller.js';
import { BalanceAtController } from './balance-at/balance-at.controller.js';
import { BalanceCache } from './balance/balance-cache.js';
import { BalanceController } from './balance/balance.controller.js';
import { MonthlySummaryController } from './monthly-summary/monthly-summary.controller.js';
import { TransactionsController } from './transactions/transactions.controller.js';

/** Account queries: one vertical slice per route, all through AccountReader. */
@Module({
  imports: [ReadYourWritesModule],
  controllers: [
    BalanceController,
    AccountSummaryController,
    TransactionsController,
    BalanceAtController,
    MonthlySummaryController,
  ],
  providers: [AccountReadModelsRepository, AccountReader, BalanceCache],
})
export class AccountsModule {}
