import { Module } from '@nestjs/common';
import { AuthModule, PlatformModule, RateLimitModule } from '@cqrs-bank/platform';
import { AccountsModule } from './accounts/accounts.module.js';
import { QueryServiceConfig } from './query-service.config.js';
import { ReadModelsModule } from './read-models/read-models.module.js';
import { ReportsModule } from './reports/reports.module.js';
import { TransfersModule } from './transfers/transfers.module.js';

/**
 * REST queries over the read models the projector keeps (SPEC §4). Read-only:
 * it applies no migrations and its Postgres sessions refuse writes.
 */
@Module({
  imports: [
    PlatformModule.forRoot({ app: 'query-service', config: QueryServiceConfig }),
    RateLimitModule,
    AuthModule,
    ReadModelsModule,
    AccountsModule,
    ReportsModule,
    TransfersModule,
  ],
})
export class QueryServiceModule {}
