import {
  Global,
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_NAME, BaseConfig } from '@cqrs-bank/platform';
import pg from 'pg';
import { PostgresEventStore } from './postgres-event-store.js';
import { UpcasterRegistry } from './upcasters.js';

/** The event store's own pool: raw SQL on the hot path, named prepared statements. */
export const EVENT_STORE_POOL = Symbol('EVENT_STORE_POOL');

export interface EventStoreModuleOptions {
  internalTopic: string;
  upcasters: (registry: UpcasterRegistry) => void;
  /** Group-commit tuning, usually read from the app's config. */
  tuning?: (config: BaseConfig) => { maxBatchSize?: number; maxConcurrentCommits?: number };
}

@Injectable()
class PoolCloser implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE_POOL) private readonly pool: pg.Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

export function createEventStorePool(
  config: BaseConfig,
  appName: string,
  max = config.DB_POOL_SIZE,
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.DATABASE_URL,
    max,
    connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    application_name: `${appName}:event-store`,
    // Short OLTP statements: a generic plan for a hot, huge stream must not pay JIT compilation
    // on every execution (measured: 7 ms instead of 1.4 ms per snapshot load).
    options: '-c jit=off',
  });
  // A connection dropped while idle (Postgres restarted) must not crash the process;
  // the pool discards it and the next query opens a new one.
  pool.on('error', () => undefined);
  return pool;
}

@Global()
@Module({})
export class EventStoreModule {
  static forRoot(options: EventStoreModuleOptions): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        {
          provide: EVENT_STORE_POOL,
          inject: [BaseConfig, APP_NAME],
          useFactory: (config: BaseConfig, app: string) => createEventStorePool(config, app),
        },
        {
          provide: PostgresEventStore,
          inject: [EVENT_STORE_POOL, BaseConfig],
          useFactory: (pool: pg.Pool, config: BaseConfig) => {
            const upcasters = new UpcasterRegistry();
            options.upcasters(upcasters);
            return new PostgresEventStore(pool, {
              internalTopic: options.internalTopic,
              upcasters,
              ...options.tuning?.(config),
            });
          },
        },
        PoolCloser,
      ],
      exports: [PostgresEventStore, EVENT_STORE_POOL],
    };
  }
}
