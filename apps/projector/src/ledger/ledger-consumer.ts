import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ACCOUNT_UPCASTERS } from '@cqrs-bank/banking';
import { TOPICS } from '@cqrs-bank/contracts';
import {
  EVENT_STORE_POOL,
  PersonalDataVault,
  PostgresEventStore,
  UpcasterRegistry,
} from '@cqrs-bank/event-store';
import {
  BatchesInFlight,
  KAFKA,
  RELAY_DEFAULTS,
  startConsumerSpan,
  ThrottledOffsetCommits,
} from '@cqrs-bank/messaging';
import { failSpan, isTracing, JsonLogger, MetricsRegistry, type Span } from '@cqrs-bank/platform';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type pg from 'pg';
import { Counter, Gauge } from 'prom-client';
import { AccountBatchApplier } from '../projections/account-batch-applier.js';
import { TransferStatusProjection } from '../projections/transfer-status/transfer-status.projection.js';
import { ProjectorConfig } from '../projector.config.js';
import { BatchGroups } from './batch-groups.js';
import { parseLedgerMessage, PoisonMessage, type LedgerEvent } from './ledger-event.js';
import { PipelinedTransaction } from './pipelined-transaction.js';
import { projectionNotices, projectionNotifyStatement } from '../projections/projection-notice.js';
import { WriteBatch } from '../projections/write-batch.js';

/** One partition's batch, as applied to the read models. */
interface PartitionBatch {
  topic: string;
  partition: number;
  /** The offset of its last message: the checkpoint moves past it. */
  lastOffset: string;
  /** Its messages that parsed (poison ones go to the DLQ instead). */
  items: Parsed[];
}

interface Parsed {
  message: KafkaMessage;
  event?: LedgerEvent;
  poison?: Error;
  /** Tracing on and the message carries a trace: its CONSUMER span. */
  span?: Span;
}

/**
 * Consumes the internal topic with a consumer group and `eachBatch`: each batch
 * is applied to the read models together with the partition's offset in ONE
 * Postgres transaction — shared with the batches of other partitions handed
 * over meanwhile (BatchGroups) — and only then is the offset resolved and
 * committed to Kafka (at most once per PROJECTOR_OFFSET_COMMIT_INTERVAL_MS).
 * A redelivered batch changes nothing (see AccountBatchApplier); a message
 * that cannot be applied goes to the DLQ and the partition keeps moving.
 */
@Injectable()
export class LedgerConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly consumer: Consumer;
  private readonly offsets: ThrottledOffsetCommits;
  private readonly inFlight = new BatchesInFlight();
  private readonly groups = new BatchGroups<PartitionBatch>((batches) =>
    this.applyInTransaction(batches).catch((err: unknown) => {
      // Said once per group; each batch then goes on alone (and says its own failures).
      this.log.warn(
        { err, partitions: batches.map((b) => b.partition) },
        'applying a group of batches failed; applying each on its own',
      );
      throw err;
    }),
  );
  private readonly dlq: Producer;
  private readonly upcasters = new UpcasterRegistry();
  private readonly applier: AccountBatchApplier;
  private readonly transfers: TransferStatusProjection;
  private readonly log;
  private readonly metrics;
  private starting: Promise<void> | undefined;
  private joined!: () => void;
  /** Resolves once this consumer has joined its group and got its partitions. */
  readonly assigned = new Promise<void>((resolve) => (this.joined = resolve));
  private stopping = false;
  /** Times this consumer (re)joined its group: after a broker outage it joins again. */
  joins = 0;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(EVENT_STORE_POOL) private readonly pool: pg.Pool,
    store: PostgresEventStore,
    vault: PersonalDataVault,
    private readonly config: ProjectorConfig,
    logger: JsonLogger,
    registry: MetricsRegistry,
  ) {
    for (const u of ACCOUNT_UPCASTERS) this.upcasters.register(u.type, u.fromVersion, u.upcast);
    this.applier = new AccountBatchApplier(store, this.upcasters, vault);
    this.transfers = new TransferStatusProjection(store, this.upcasters);
    this.consumer = kafka.consumer({
      groupId: config.PROJECTOR_GROUP_ID,
      sessionTimeout: config.PROJECTOR_SESSION_TIMEOUT_MS,
      heartbeatInterval: Math.floor(config.PROJECTOR_SESSION_TIMEOUT_MS / 5),
      maxWaitTimeInMs: 100,
      // kafkajs restarts a crashed consumer (a broker that went away) on a timer;
      // after shutdown began, that restart would resurrect it.
      retry: { restartOnFailure: async () => !this.stopping },
    });
    this.offsets = new ThrottledOffsetCommits(
      this.consumer,
      config.PROJECTOR_OFFSET_COMMIT_INTERVAL_MS,
      (err) => this.log.warn({ err }, 'committing Kafka offsets failed; trying again'),
    );
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.joins += 1;
      this.offsets.retain(payload.memberAssignment);
      this.joined();
    });
    this.dlq = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    this.log = logger.pino.child({ context: 'LedgerConsumer' });
    const registers = [registry.registry];
    this.metrics = {
      applied: new Counter({
        name: 'projector_events_applied_total',
        help: 'Events applied to the read models',
        registers,
      }),
      duplicates: new Counter({
        name: 'projector_events_duplicate_total',
        help: 'Redelivered events skipped because the read models already reflect them',
        registers,
      }),
      caughtUp: new Counter({
        name: 'projector_events_caught_up_total',
        help: 'Events read from the event store to fill a gap in an account stream',
        registers,
      }),
      dlq: new Counter({
        name: 'projector_dlq_total',
        help: 'Messages sent to the dead-letter topic',
        registers,
      }),
      lagEvents: new Gauge({
        name: 'projector_lag_events',
        help: 'Messages behind the end of each partition after the last batch',
        labelNames: ['partition'],
        registers,
      }),
      lagSeconds: new Gauge({
        name: 'projector_lag_seconds',
        help: 'Age of the newest event applied, when it was applied',
        registers,
      }),
    };
  }

  /** Starts consuming in the background: a broker that is not up yet delays the projector, never its start. */
  onApplicationBootstrap(): void {
    this.starting = this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.starting;
    // Batches handed over from now on are left to the partition's next owner.
    await this.inFlight.settled();
    await this.offsets.flush().catch((err: unknown) => this.log.warn({ err }, 'final offset commit failed'));
    this.offsets.close();
    await this.consumer.disconnect().catch(() => undefined);
    await this.dlq.disconnect().catch(() => undefined);
  }

  private async start(): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt += 1) {
      try {
        await this.ensureTopics();
        await this.dlq.connect();
        await this.consumer.connect();
        await this.consumer.subscribe({
          topics: [TOPICS.ledgerInternal],
          fromBeginning: this.config.PROJECTOR_START_FROM === 'earliest',
        });
        await this.consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: this.config.PROJECTOR_CONCURRENCY,
          eachBatch: (payload) => this.inFlight.track(this.handle(payload)),
        });
        return;
      } catch (err) {
        this.log.warn({ err, attempt }, 'could not start consuming; retrying');
        await new Promise((r) => setTimeout(r, Math.min(attempt * 1000, 5000)));
      }
    }
  }

  /** The topics this app reads and writes, created when the relay has not created them yet. */
  private async ensureTopics(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = [TOPICS.ledgerInternal, TOPICS.projectorDlq].filter((t) => !existing.has(t));
      if (missing.length > 0) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({ topic, numPartitions: RELAY_DEFAULTS.topicPartitions })),
        });
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async handle(payload: EachBatchPayload): Promise<void> {
    const { batch, isRunning, isStale } = payload;
    if (batch.messages.length === 0 || !isRunning() || isStale() || this.stopping) return;
    const parsed: Parsed[] = batch.messages.map((message) => {
      try {
        return { message, event: parseLedgerMessage(message.value, this.upcasters) };
      } catch (err) {
        if (err instanceof PoisonMessage) return { message, poison: err };
        throw err;
      }
    });
    if (!isTracing()) return this.project(payload, parsed);
    // A CONSUMER span per message that carries a trace, from the batch's start
    // to its commit: the messages of a batch belong to many traces and are
    // applied in one transaction, so each one's span shows that transaction.
    for (const p of parsed) {
      p.span = startConsumerSpan(
        {
          topic: batch.topic,
          partition: batch.partition,
          message: p.message,
          groupId: this.config.PROJECTOR_GROUP_ID,
        },
        parsed.length,
      );
      if (p.event) p.span?.setAttributes(ledgerEventAttributes(p.event));
    }
    try {
      await this.project(payload, parsed);
    } catch (err) {
      for (const p of parsed) if (p.span) failSpan(p.span, err);
      throw err;
    } finally {
      for (const p of parsed) {
        if (p.span && p.poison) failSpan(p.span, p.poison);
        p.span?.end();
      }
    }
  }

  /** Applies a batch (see the class comment), dead-letters what cannot be applied, commits the offset. */
  private async project(
    { batch, resolveOffset, heartbeat }: EachBatchPayload,
    parsed: Parsed[],
  ): Promise<void> {
    const last = batch.messages[batch.messages.length - 1].offset;
    const own = (lastOffset: string, items: Parsed[]): PartitionBatch => ({
      topic: batch.topic,
      partition: batch.partition,
      lastOffset,
      items,
    });
    const applicable = own(
      last,
      parsed.filter((p) => p.event),
    );

    let done = false;
    if (applicable.items.length <= GROUPED_BATCH_MAX_EVENTS) {
      try {
        await this.groups.submit(applicable);
        done = true;
      } catch (err) {
        if (isConnectionLost(err)) throw err; // kafkajs retries the batch once Postgres is back
        // Maybe another partition's batch failed the group: this one alone, from here on.
      }
    }
    for (let attempt = 1; !done && attempt <= this.config.PROJECTOR_MAX_ATTEMPTS; attempt += 1) {
      try {
        await this.applyInTransaction([applicable]);
        done = true;
      } catch (err) {
        this.log.warn({ err, attempt, partition: batch.partition }, 'applying a batch failed');
        if (isConnectionLost(err)) throw err;
        await heartbeat();
      }
    }
    if (!done) {
      // One message keeps failing the batch: find it by applying them one at a time.
      for (const p of applicable.items) {
        try {
          await this.applyInTransaction([own(p.message.offset, [p])]);
        } catch (err) {
          if (isConnectionLost(err)) throw err;
          p.poison = err instanceof Error ? err : new Error(String(err));
          p.event = undefined;
        }
      }
    }
    const poison = parsed.filter((p) => p.poison);
    if (poison.length > 0) await this.deadLetter(batch.topic, batch.partition, poison);

    resolveOffset(last);
    // The read models and projector_offsets are already committed: Kafka's offset follows.
    await this.offsets.done(batch.topic, batch.partition, last);
    this.metrics.lagEvents.set({ partition: String(batch.partition) }, Number(batch.offsetLag()));
  }

  /** Applies the batches, with their partitions' checkpoints, in one transaction. */
  private async applyInTransaction(batches: PartitionBatch[]) {
    const client = await this.pool.connect();
    let broken = false;
    // A connection killed while checked out (or while being discarded) emits
    // 'error': the pending query fails anyway, but without a listener the
    // process would crash. One listener per connection, for its lifetime.
    if (!watched.has(client)) {
      watched.add(client);
      client.on('error', () => undefined);
    }
    try {
      // BEGIN goes out with the first read, the combined write with COMMIT: two round trips a batch.
      const transaction = PipelinedTransaction.begin(client);
      const events = batches.flatMap((b) => b.items.map((p) => p.event!));
      const checkpoints = nextOffsets(batches);
      // Every read model's writes, the checkpoint and the NOTIFY: one statement.
      const writes = new WriteBatch();
      const outcome = await this.applier.apply(client, events, writes);
      const transfers = await this.transfers.apply(client, events, writes);
      outcome.applied += transfers.applied;
      outcome.duplicates += transfers.duplicates;
      outcome.caughtUp += transfers.caughtUp;
      writes.add({
        name: 'rm_offsets_upsert',
        text: `INSERT INTO projector_offsets (consumer_group, topic, partition, next_offset, updated_at)
               SELECT $1, t, p, o, now() FROM unnest($2::text[], $3::int[], $4::bigint[]) AS c(t, p, o)
               ON CONFLICT (consumer_group, topic, partition)
               DO UPDATE SET next_offset = GREATEST(projector_offsets.next_offset, excluded.next_offset),
                             updated_at = now()`,
        values: [
          this.config.PROJECTOR_GROUP_ID,
          checkpoints.map((c) => c.topic),
          checkpoints.map((c) => c.partition),
          checkpoints.map((c) => c.nextOffset.toString()),
        ],
      });
      // The account rows as this batch leaves them (transfer events change none).
      const notices = projectionNotices(outcome.changed);
      if (notices.length > 0) writes.add(projectionNotifyStatement(notices));
      await transaction.commit(() => writes.flush(client));
      this.metrics.applied.inc(outcome.applied + outcome.caughtUp);
      this.metrics.duplicates.inc(outcome.duplicates);
      this.metrics.caughtUp.inc(outcome.caughtUp);
      const newest = events.reduce<Date | undefined>(
        (a, e) => (a === undefined || e.recordedAt > a ? e.recordedAt : a),
        undefined,
      );
      if (newest) this.metrics.lagSeconds.set(Math.max(0, (Date.now() - newest.getTime()) / 1000));
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw err;
    } finally {
      client.release(broken);
    }
  }

  private async deadLetter(topic: string, partition: number, poison: Parsed[]) {
    const failedAt = new Date().toISOString();
    await this.dlq.send({
      topic: TOPICS.projectorDlq,
      acks: -1,
      messages: poison.map(({ message, poison: error }) => ({
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          'dlq-error': error?.message ?? 'unknown error',
          'dlq-original-topic': topic,
          'dlq-original-partition': String(partition),
          'dlq-original-offset': message.offset,
          'dlq-failed-at': failedAt,
        },
      })),
    });
    this.metrics.dlq.inc(poison.length);
    this.log.warn(
      { partition, offsets: poison.map((p) => p.message.offset) },
      'sent unappliable messages to the DLQ',
    );
  }
}

/**
 * Batches of at most this many events share transactions (BatchGroups): a
 * bigger one is worth its own, and runs beside the others on its own
 * connection, as a backlog is worked off fastest.
 */
const GROUPED_BATCH_MAX_EVENTS = 50;

const watched = new WeakSet<pg.PoolClient>();

/** Where each partition of the batches resumes: one row per partition (an upsert may touch a row once). */
function nextOffsets(batches: PartitionBatch[]): { topic: string; partition: number; nextOffset: bigint }[] {
  const next = new Map<string, { topic: string; partition: number; nextOffset: bigint }>();
  for (const { topic, partition, lastOffset } of batches) {
    const key = `${topic}:${partition}`;
    const nextOffset = BigInt(lastOffset) + 1n;
    if ((next.get(key)?.nextOffset ?? -1n) < nextOffset) next.set(key, { topic, partition, nextOffset });
  }
  return [...next.values()];
}

/** What a projector span says about the event it applies. */
function ledgerEventAttributes(event: LedgerEvent): Record<string, string | number> {
  return {
    'cqrs_bank.event.id': event.eventId,
    'cqrs_bank.event.type': event.account?.type ?? event.transfer?.type ?? event.customer?.type ?? 'unknown',
    'cqrs_bank.stream.id': event.streamId,
    'cqrs_bank.stream.version': event.version,
  };
}

function isConnectionLost(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    (typeof code === 'string' && (code.startsWith('08') || code === '57P01' || code === 'ECONNREFUSED')) ||
    (err instanceof Error &&
      /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect/.test(err.message))
  );
}
