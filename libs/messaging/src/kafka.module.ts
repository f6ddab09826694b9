import {
  Global,
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_NAME, BaseConfig, JsonLogger, withTimeout, type ReadinessCheck } from '@cqrs-bank/platform';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { createKafka } from './kafka-client.js';

export { createKafka } from './kafka-client.js';

/** Injection token of the app's shared kafkajs client. */
export const KAFKA = Symbol('KAFKA');

/**
 * Kafka readiness: one admin connection, no retries, a short deadline, so a
 * stopped broker turns `/health/ready` to 503 within seconds. A failed probe
 * drops the connection so the next one reconnects from scratch.
 */
@Injectable()
export class KafkaReadiness implements ReadinessCheck, OnApplicationShutdown {
  readonly name = 'kafka';
  get enabled(): boolean {
    return true;
  }
  private admin: Admin | undefined;
  private readonly probeClient: Kafka;

  constructor(config: BaseConfig, @Inject(APP_NAME) app: string) {
    this.probeClient = new Kafka({
      clientId: `${app}-health`,
      brokers: config.kafkaBrokers,
      connectionTimeout: 1500,
      requestTimeout: 2500,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
  }

  async check(): Promise<void> {
    try {
      this.admin ??= this.probeClient.admin();
      await withTimeout(
        (async () => {
          await this.admin!.connect();
          const cluster = await this.admin!.describeCluster();
          if (cluster.brokers.length === 0) throw new Error('Kafka cluster has no brokers');
        })(),
        4000,
        'Kafka',
      );
    } catch (err) {
      const admin = this.admin;
      this.admin = undefined;
      await admin?.disconnect().catch(() => undefined);
      throw err;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
  }
}

@Global()
@Module({})
export class KafkaModule {
  static forRoot(): DynamicModule {
    return {
      module: KafkaModule,
      providers: [
        {
          provide: KAFKA,
          inject: [BaseConfig, APP_NAME, JsonLogger],
          useFactory: (config: BaseConfig, app: string, logger: JsonLogger) =>
            createKafka(
              config.KAFKA_CLIENT_ID ?? app,
              config.kafkaBrokers,
              logger,
              config.KAFKA_REQUEST_TIMEOUT_MS,
            ),
        },
        KafkaReadiness,
      ],
      exports: [KAFKA, KafkaReadiness],
    };
  }
}
