import { DATABASE_ROLES } from '@cqrs-bank/event-store';
import { BaseConfig } from '@cqrs-bank/platform';
import { IsIn, IsInt, Max, Min } from 'class-validator';

/** cqrs-bank query-service settings; see README.md for every variable and its default. */
export class QueryServiceConfig extends BaseConfig {
  override PORT: number = 3001;

  /** Its sessions' Postgres role (SPEC §5): query-service reads the read models, nothing else. */
  override DB_ROLE: string = DATABASE_ROLES.query;

  /**
   * GET /reports/vip lists the accounts whose lifetime deposits exceed this many
   * minor units (compared as stored, whatever the account's currency).
   */
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  VIP_THRESHOLD: number = 1_000_000;

  /**
   * Longest a read-your-writes request (`?minVersion=` / `X-Min-Version`) waits
   * for the account's read model to reach that version before answering 503
   * PROJECTION_LAGGING (SPEC §4: a bounded wait, default 2 s).
   */
  @IsInt()
  @Min(0)
  @Max(60_000)
  MIN_VERSION_WAIT_MS: number = 2000;

  /**
   * Account rows GET /balance keeps in memory (the most recently read), kept
   * fresh by the projector's notifications; 0 turns the cache off.
   */
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  BALANCE_CACHE_SIZE: number = 100_000;

  /**
   * A cached row neither read nor brought up to date by a notification for
   * this long is read again: a bound on staleness if notifications stop unnoticed.
   * Rows in use are read again in the background at half this age.
   */
  @IsInt()
  @Min(1)
  @Max(3_600_000)
  BALANCE_CACHE_MAX_AGE_MS: number = 5000;

  /**
   * GET /balance answers a request it can answer from the BalanceCache before
   * Nest's pipeline runs (balance-fast-path.ts); `false` leaves every request
   * to the controller.
   */
  @IsIn(['true', 'false'])
  BALANCE_FAST_PATH: string = 'true';

  /**
   * Processes serving the HTTP API, sharing its port (node:cluster; one
   * process answers from one thread): set it to the cores the replica is
   * given. Each has its own balance cache, Postgres pool and notification
   * listener; /metrics sums them all; RATE_LIMIT_PER_MINUTE counts per
   * process. 1: the service is one process.
   */
  @IsInt()
  @Min(1)
  @Max(64)
  HTTP_WORKERS: number = 1;
}
