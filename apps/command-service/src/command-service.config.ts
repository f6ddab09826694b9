import { BaseConfig } from '@cqrs-bank/platform';
import { IsIn, IsInt, Max, Min } from 'class-validator';

/** command-service settings; see README.md for every variable and its default. */
export class CommandServiceConfig extends BaseConfig {
  override PORT: number = 3000;

  /** A snapshot of an aggregate is written every this many events (SPEC §6). */
  @IsInt()
  @Min(1)
  SNAPSHOT_EVERY: number = 100;

  /** Retries of a command that lost a concurrency race, before 409 CONCURRENCY_CONFLICT. */
  @IsInt()
  @Min(0)
  @Max(50)
  COMMAND_MAX_RETRIES: number = 8;

  /** Idempotency records are kept at least this long (SPEC §3: ≥ 24 h). */
  @IsInt()
  @Min(24)
  IDEMPOTENCY_RETENTION_HOURS: number = 48;

  /** Most commands group-committed in one transaction. */
  @IsInt()
  @Min(1)
  @Max(1000)
  EVENT_STORE_BATCH_SIZE: number = 64;

  /** Most group-commit transactions in flight at once. */
  @IsInt()
  @Min(1)
  @Max(64)
  EVENT_STORE_CONCURRENT_COMMITS: number = 4;

  /** Aggregates kept in memory between commands (0 disables the cache). */
  @IsInt()
  @Min(0)
  AGGREGATE_CACHE_SIZE: number = 10000;

  /**
   * `embedded` runs the outbox relay inside this process (SPEC §1), with the
   * relay's default settings; `off` leaves publishing to the outbox-relay app.
   */
  @IsIn(['off', 'embedded'])
  OUTBOX_RELAY: string = 'off';
}
