import { DATABASE_ROLES } from '@cqrs-bank/event-store';
import { BaseConfig, TestOnly } from '@cqrs-bank/platform';
import { IsIn, IsInt, IsString, Max, Min, ValidateIf } from 'class-validator';

/** command-service settings; see README.md for every variable and its default. */
export class CommandServiceConfig extends BaseConfig {
  override PORT: number = 3000;

  /** Its sessions' Postgres role (SPEC §5): command-service appends events, snapshots, outbox rows and idempotency records (and relays them with OUTBOX_RELAY=embedded). */
  override DB_ROLE: string = DATABASE_ROLES.command;

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

  /**
   * `embedded` runs the transfer process manager (SPEC §9) in this process: a
   * consumer of the internal topic in the group TRANSFER_SAGA_GROUP_ID, so
   * replicas share the work; `off` runs none here (another replica must).
   */
  @IsIn(['off', 'embedded'])
  TRANSFER_SAGA: string = 'embedded';

  /** Consumer group of the transfer process manager. */
  @IsString()
  TRANSFER_SAGA_GROUP_ID: string = 'transfer-saga';

  /** Where a new group starts on the internal topic: `earliest` misses no transfer. */
  @IsIn(['earliest', 'latest'])
  TRANSFER_SAGA_START_FROM: string = 'earliest';

  /** Kafka session timeout of the process manager's consumer: how soon a dead replica's partitions move on. */
  @IsInt()
  @Min(3000)
  TRANSFER_SAGA_SESSION_TIMEOUT_MS: number = 30000;

  /** Partitions of the internal topic the process manager works on at once. */
  @IsInt()
  @Min(1)
  @Max(64)
  TRANSFER_SAGA_CONCURRENCY: number = 4;

  /**
   * The saga's Kafka offsets are committed at most this often (0: after every
   * batch). A restarted or new owner of a partition gets at most one
   * interval's messages again, and advancing a transfer again is harmless.
   */
  @IsInt()
  @Min(0)
  @Max(60000)
  TRANSFER_SAGA_OFFSET_COMMIT_INTERVAL_MS: number = 1000;

  /**
   * How long the broker may hold the process manager's fetch to gather 64 KiB
   * of messages (0: answer as soon as anything is there).
   * The consumer reads the whole internal topic for the few transfer events in
   * it: a fetch per message or two under load costs this process more than
   * the transfers do, while a transfer step waits at most this long more.
   */
  @IsInt()
  @Min(0)
  @Max(1000)
  TRANSFER_SAGA_FETCH_WAIT_MS: number = 25;

  /**
   * Fault injection for the crash tests only: the process kills itself (SIGKILL)
   * right after a transfer step moved money and before the step is recorded.
   * Refused when NODE_ENV is production.
   */
  @ValidateIf((c: CommandServiceConfig) => c.TRANSFER_SAGA_CRASH_AFTER !== '')
  @IsIn(['debit', 'credit', 'refund'])
  @TestOnly()
  TRANSFER_SAGA_CRASH_AFTER: string = '';
}
