import { Module } from '@nestjs/common';
import { AuthModule, RateLimitModule } from '@cqrs-bank/platform';
import { ReadYourWritesModule } from '../read-your-writes/read-your-writes.module.js';
import { AccountReadModelsRepository } from './account-read-models.repository.js';
import { AccountReader } from './account-reader.js';
import { AccountSummaryController } from './account-summary/account-summary.controller.js';
import { BalanceAtController } from './balance-at/balance-at.controller.js';
import { BalanceCache } from './balance/balance-cache.js';
import { BalanceFastPath } from './balance/balance-fast-path.js';
import { BalanceReader } from './balance/balance-reader.js';
import { BalanceController } from './balance/balance.controller.js';
import { MonthlySummaryController } from './monthly-summary/monthly-summary.controller.js';
import { TransactionsController } from './transactions/transactions.controller.js';

/** Account queries: one vertical slice per route, all through AccountReader. */
@Module({
  imports: [ReadYourWritesModule, AuthModule, RateLimitModule],
  controllers: [
    BalanceController,
    AccountSummaryController,
    TransactionsController,
    BalanceAtController,
    MonthlySummaryController,
  ],
  providers: [AccountReadModelsRepository, AccountReader, BalanceCache, BalanceReader, BalanceFastPath],
})
export class AccountsModule {}
