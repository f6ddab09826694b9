import {
  Global,
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { createEventStorePool, OutboxStore, type OutboxStats } from '@cqrs-bank/event-store';
import { APP_NAME, BaseConfig, JsonLogger, MetricsRegistry, sessionOptions } from '@cqrs-bank/platform';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { Counter, Gauge, Histogram } from 'prom-client';
import { KAFKA, KafkaReadiness } from '../kafka.module.js';
import { ThreadedSender } from './batch-sender.js';
import { OutboxRelay, type OutboxRelayObserver, type OutboxRelayOptions } from './outbox-relay.js';

const RELAY_OPTIONS = Symbol('RELAY_OPTIONS');
const RELAY_POOL = Symbol('RELAY_POOL');

export interface OutboxPublishingOptions {
  /** The relay's settings, usually read from the app's config; undefined: this app does not relay. */
  settings: (config: BaseConfig) => OutboxRelayOptions | undefined;
}

/** Outbox figures are read from Postgres at most this often, however often Prometheus scrapes. */
const STATS_TTL_MS = 1000;

/** Runs the outbox relay inside a Nest app (the outbox-relay app, or command-service when embedded). */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly relay: OutboxRelay | undefined;
  private readonly store: OutboxStore;
  private stats: { at: number; value: Promise<OutboxStats> } | undefined;

  constructor(
    @Inject(RELAY_POOL) private readonly pool: pg.Pool,
    @Inject(KAFKA) kafka: Kafka,
    @Inject(RELAY_OPTIONS) options: OutboxRelayOptions | undefined,
    @Inject(APP_NAME) app: string,
    config: BaseConfig,
    metrics: MetricsRegistry,
    logger: JsonLogger,
  ) {
    this.store = new OutboxStore(pool, config.DATABASE_URL, app, sessionOptions(config));
    if (!options) return;
    const registers = [metrics.registry];
    const published = new Counter({
      name: 'outbox_relay_published_total',
      help: 'Outbox messages acknowledged by Kafka and removed from the outbox',
      registers,
    });
    const errors = new Counter({
      name: 'outbox_relay_errors_total',
      help: 'Failed relay rounds, by stage',
      labelNames: ['stage'],
      registers,
    });
    const round = new Histogram({
      name: 'outbox_relay_round_seconds',
      help: 'Time of one round: a batch sent while the batch before it is deleted and the next one read',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const leader = new Gauge({
      name: 'outbox_relay_leader',
      help: '1 while this process holds the publishing lease',
      registers,
    });
    const read = () => this.outboxStats();
    new Gauge({
      name: 'outbox_relay_backlog',
      help: 'Committed outbox rows not yet published',
      registers,
      async collect() {
        this.set((await read()).backlog);
      },
    });
    new Gauge({
      name: 'outbox_relay_oldest_unpublished_seconds',
      help: 'Age of the oldest unpublished outbox row',
      registers,
      async collect() {
        this.set((await read()).oldestSeconds);
      },
    });
    new Gauge({
      name: 'outbox_relay_oldest_open_transaction_seconds',
      help: 'Age of the oldest open write transaction: its outbox rows are published only after it commits',
      registers,
      async collect() {
        this.set((await read()).oldestOpenTransactionSeconds);
      },
    });

    const log = logger.pino.child({ context: 'OutboxRelay' });
    const observer: OutboxRelayObserver = {
      published(count) {
        published.inc(count);
      },
      round(seconds) {
        round.observe(seconds);
      },
      failed(stage, error) {
        errors.inc({ stage });
        log.warn({ stage, err: error }, `outbox relay round failed at ${stage}; retrying`);
      },
      leadership(held) {
        leader.set(held ? 1 : 0);
        log.info(held ? 'holding the outbox lease: publishing' : 'outbox lease released or lost');
      },
    };
    const threads = options.senderThreads;
    const sender =
      threads > 0
        ? () =>
            new ThreadedSender(
              threads,
              {
                clientId: config.KAFKA_CLIENT_ID ?? app,
                brokers: config.kafkaBrokers,
                requestTimeout: config.KAFKA_REQUEST_TIMEOUT_MS,
              },
              logger,
            )
        : undefined;
    this.relay = new OutboxRelay(this.store, kafka, options, observer, sender);
  }

  get enabled(): boolean {
    return this.relay !== undefined;
  }

  onApplicationBootstrap(): void {
    this.relay?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
    await this.pool.end();
  }

  private outboxStats(): Promise<OutboxStats> {
    const now = Date.now();
    if (!this.stats || now - this.stats.at > STATS_TTL_MS) {
      const value = this.store.stats();
      value.catch(() => undefined);
      this.stats = { at: now, value };
    }
    return this.stats.value;
  }
}

/** Kafka readiness that counts only where this app relays (command-service with OUTBOX_RELAY=embedded). */
@Injectable()
export class RelayKafkaReadiness extends KafkaReadiness {
  constructor(
    config: BaseConfig,
    @Inject(APP_NAME) app: string,
    private readonly relay: OutboxRelayService,
  ) {
    super(config, app);
  }

  override get enabled(): boolean {
    return this.relay.enabled;
  }
}

/** Needs KafkaModule and PlatformModule in the importing app. */
@Global()
@Module({})
export class OutboxPublishingModule {
  static forRoot(options: OutboxPublishingOptions): DynamicModule {
    return {
      module: OutboxPublishingModule,
      providers: [
        {
          provide: RELAY_POOL,
          inject: [BaseConfig, APP_NAME],
          // Two connections suffice (fetch/delete and the metrics); the lease has its own.
          useFactory: (config: BaseConfig, app: string) => createEventStorePool(config, `${app}:relay`, 2),
        },
        {
          provide: RELAY_OPTIONS,
          inject: [BaseConfig],
          useFactory: (config: BaseConfig) => options.settings(config),
        },
        OutboxRelayService,
        RelayKafkaReadiness,
      ],
      exports: [OutboxRelayService, RelayKafkaReadiness],
    };
  }
}
