import { Global, Module } from '@nestjs/common';
import { APP_NAME, BaseConfig } from '@cqrs-bank/platform';
import { createReadModelPool, READ_MODEL_POOL, ReadModelPoolCloser } from './read-model-pool.js';

/** The read-only Postgres pool every repository of the query side uses. */
@Global()
@Module({
  providers: [
    {
      provide: READ_MODEL_POOL,
      inject: [BaseConfig, APP_NAME],
      useFactory: (config: BaseConfig, app: string) => createReadModelPool(config, app),
    },
    ReadModelPoolCloser,
  ],
  exports: [READ_MODEL_POOL],
})
export class ReadModelsModule {}
