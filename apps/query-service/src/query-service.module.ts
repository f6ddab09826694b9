import { Module } from '@nestjs/common';
import { PlatformModule } from '@cqrs-bank/platform';
import { QueryServiceConfig } from './query-service.config.js';

/** REST queries over the read models. */
@Module({
  imports: [PlatformModule.forRoot({ app: 'query-service', config: QueryServiceConfig })],
})
export class QueryServiceModule {}
