import { DATABASE_ROLES } from '@cqrs-bank/event-store';
import { BaseConfig } from '@cqrs-bank/platform';
import { IsIn, IsInt, IsString, Max, Min, MinLength } from 'class-validator';

/** projector settings; see README.md for every variable and its default. */
export class ProjectorConfig extends BaseConfig {
  override PORT: number = 3002;

  /** Its sessions' Postgres role (SPEC §5): the projector reads events, owns the read models and writes its offsets and rebuild journal. */
  override DB_ROLE: string = DATABASE_ROLES.projector;

  /** Kafka consumer group: projector replicas share the internal topic's partitions. */
  @IsString()
  @MinLength(1)
  PROJECTOR_GROUP_ID: string = 'cqrs-bank-projector';

  /** Attempts at a batch whose transaction fails before its messages are tried one by one. */
  @IsInt()
  @Min(1)
  @Max(20)
  PROJECTOR_MAX_ATTEMPTS: number = 3;

  /** Kafka session timeout: how soon a dead replica's partitions move to the others. */
  @IsInt()
  @Min(6000)
  PROJECTOR_SESSION_TIMEOUT_MS: number = 10000;

  /**
   * Where a consumer group with no committed offsets starts: `earliest` builds
   * the read models from the whole topic; `latest` skips history (tests, and a
   * new group over read models already rebuilt from the event store — a gap is
   * still caught up from the store).
   */
  @IsIn(['earliest', 'latest'])
  PROJECTOR_START_FROM: string = 'earliest';

  /**
   * Partitions whose batches are applied at once, each in its own transaction
   * (kafkajs partitionsConsumedConcurrently). A partition's accounts are its
   * own (the key is the stream id), so the transactions never touch the same
   * rows; applied one at a time, a fetch holding many small batches would wait
   * for a commit per partition in turn. Keep it below DB_POOL_SIZE.
   */
  @IsInt()
  @Min(1)
  @Max(64)
  PROJECTOR_CONCURRENCY: number = 4;

  /**
   * Kafka offsets are committed at most this often (0: after every batch).
   * The checkpoint that counts is in Postgres, with the read models; Kafka's
   * only says where a restarted or new owner of a partition starts, and the
   * batches it then gets again (at most one interval's worth) change nothing.
   */
  @IsInt()
  @Min(0)
  @Max(60000)
  PROJECTOR_OFFSET_COMMIT_INTERVAL_MS: number = 1000;
}
