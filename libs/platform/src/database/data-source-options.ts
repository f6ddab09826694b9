import type { DataSourceOptions, EntitySchema, MixedList } from 'typeorm';
import type { BaseConfig } from '../config/base.config.js';
import type { MigrationClass } from './migrations.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type EntityList = MixedList<Function | string | EntitySchema>;

/** TypeORM options shared by the apps, the migrate CLI and the tests. Never `synchronize`. */
export function dataSourceOptions(
  config: BaseConfig,
  opts: { appName: string; migrations?: MigrationClass[]; entities?: EntityList },
): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.DATABASE_URL,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'schema_migrations',
    migrations: opts.migrations ?? [],
    entities: opts.entities ?? [],
    applicationName: opts.appName,
    connectTimeoutMS: config.DB_CONNECT_TIMEOUT_MS,
    logging: ['migration'],
    extra: {
      max: config.DB_POOL_SIZE,
      connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
    },
  };
}
