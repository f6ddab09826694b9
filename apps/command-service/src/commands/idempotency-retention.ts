import { Injectable, type OnApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { PostgresEventStore } from '@cqrs-bank/event-store';
import { JsonLogger } from '@cqrs-bank/platform';
import { CommandServiceConfig } from '../command-service.config.js';

/** Deletes idempotency records past their retention (≥ 24 h), hourly, in small batches. */
@Injectable()
export class IdempotencyRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: PostgresEventStore,
    private readonly config: CommandServiceConfig,
    private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge(), 60 * 60 * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async purge(): Promise<number> {
    try {
      const deleted = await this.store.purgeIdempotencyRecords(this.config.IDEMPOTENCY_RETENTION_HOURS);
      if (deleted > 0)
        this.logger.log({ msg: 'idempotency records purged', deleted }, 'IdempotencyRetention');
      return deleted;
    } catch (err) {
      this.logger.error(err instanceof Error ? err : String(err), 'IdempotencyRetention');
      return 0;
    }
  }
}
