import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TRANSFER_STREAM_TYPE, transferIdFromStreamId, transferStreamId } from '@cqrs-bank/banking';
import { TOPICS } from '@cqrs-bank/contracts';
import { BatchesInFlight, KAFKA, startConsumerSpan, ThrottledOffsetCommits } from '@cqrs-bank/messaging';
import { failSpan, JsonLogger, withActiveSpan } from '@cqrs-bank/platform';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { CommandServiceConfig } from '../../command-service.config.js';
import { TransferProcessManager, type Trigger } from './transfer-process-manager.js';

/** Transfer events that leave nothing more to do: no need to wake the process manager. */
const FINAL_EVENTS = new Set(['TransferCompleted', 'TransferRefunded']);

/**
 * The internal topic's key is the stream id (SPEC §7): a message keyed
 * `account-…` is not a transfer's, and is passed over without parsing its
 * value — most of the topic, and this consumer shares the command-service's
 * event loop with the requests.
 */
const TRANSFER_KEY_PREFIX = Buffer.from(transferStreamId(''), 'utf8');

function mayBeTransfer(key: Buffer | null): boolean {
  return key === null || key.subarray(0, TRANSFER_KEY_PREFIX.length).equals(TRANSFER_KEY_PREFIX);
}

/**
 * Wakes the transfer process manager from committed events: a consumer of the
 * internal topic (every stored event, keyed by stream, so one transfer's
 * events share a partition) in its own consumer group, shared by the
 * command-service replicas. An offset is committed only after the transfer it
 * names was advanced (at most once per TRANSFER_SAGA_OFFSET_COMMIT_INTERVAL_MS);
 * a failure or a restart redelivers it, and advancing again is harmless. Kafka being down delays transfers, never commands: the consumer
 * starts in the background and keeps retrying.
 *
 * Why kafkajs and not @nestjs/microservices' Kafka transport: a hybrid app
 * connects its transports on start-up, and this service must start and take
 * commands while Kafka is down (SPEC §7); the process manager also wants
 * batches (one wake-up per transfer per batch) and a bounded number of
 * partitions worked on at once.
 */
@Injectable()
export class TransferSagaConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer: Consumer | undefined;
  private offsets: ThrottledOffsetCommits | undefined;
  private readonly inFlight = new BatchesInFlight();
  private starting: Promise<void> | undefined;
  private stopping = false;
  private joined!: () => void;
  /** Resolves once the consumer has joined its group and got its partitions. */
  readonly assigned = new Promise<void>((resolve) => (this.joined = resolve));
  private readonly log;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly manager: TransferProcessManager,
    private readonly config: CommandServiceConfig,
    logger: JsonLogger,
  ) {
    this.log = logger.pino.child({ context: 'TransferSagaConsumer' });
  }

  onApplicationBootstrap(): void {
    if (this.config.TRANSFER_SAGA !== 'embedded') return;
    this.consumer = this.kafka.consumer({
      groupId: this.config.TRANSFER_SAGA_GROUP_ID,
      sessionTimeout: this.config.TRANSFER_SAGA_SESSION_TIMEOUT_MS,
      heartbeatInterval: Math.floor(this.config.TRANSFER_SAGA_SESSION_TIMEOUT_MS / 5),
      ...sagaFetch(this.config.TRANSFER_SAGA_FETCH_WAIT_MS),
      // kafkajs restarts a consumer that crashed (a broker went away) on a timer;
      // after shutdown began, that restart would resurrect it.
      retry: { restartOnFailure: async () => !this.stopping },
    });
    const consumer = this.consumer;
    const offsets = new ThrottledOffsetCommits(
      consumer,
      this.config.TRANSFER_SAGA_OFFSET_COMMIT_INTERVAL_MS,
      (err) => this.log.warn({ err }, 'committing Kafka offsets failed; trying again'),
    );
    this.offsets = offsets;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      offsets.retain(payload.memberAssignment);
      this.joined();
    });
    this.starting = this.start(consumer, offsets);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.starting;
    // Batches handed over from now on are left to the partition's next owner.
    await this.inFlight.settled();
    await this.offsets?.flush().catch((err: unknown) => this.log.warn({ err }, 'final offset commit failed'));
    this.offsets?.close();
    await this.consumer?.disconnect().catch(() => undefined);
  }

  private async start(consumer: Consumer, offsets: ThrottledOffsetCommits): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt += 1) {
      try {
        await consumer.connect();
        await consumer.subscribe({
          topics: [TOPICS.ledgerInternal],
          fromBeginning: this.config.TRANSFER_SAGA_START_FROM === 'earliest',
        });
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: this.config.TRANSFER_SAGA_CONCURRENCY,
          eachBatch: (payload) => this.inFlight.track(this.handle(payload, offsets)),
        });
        return;
      } catch (err) {
        this.log.warn({ err, attempt }, 'could not start consuming; retrying');
        await new Promise((r) => setTimeout(r, Math.min(attempt * 1000, 5000)));
      }
    }
  }

  private async handle(
    { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload,
    offsets: ThrottledOffsetCommits,
  ) {
    const advanced = new Set<string>();
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || this.stopping) return;
      if (!mayBeTransfer(message.key)) continue;
      const wake = transferToWake(message.value);
      if (wake && !advanced.has(wake.transferId)) {
        advanced.add(wake.transferId);
        // Tracing on and the event traced: the step's commands (and the events,
        // outbox rows and messages they write) continue the event's trace.
        const span = startConsumerSpan({
          topic: batch.topic,
          partition: batch.partition,
          message,
          groupId: this.config.TRANSFER_SAGA_GROUP_ID,
        });
        try {
          await withActiveSpan(span, () => this.manager.advance(wake.transferId, wake.trigger));
        } catch (err) {
          if (span) failSpan(span, err);
          throw err;
        } finally {
          span?.end();
        }
        resolveOffset(message.offset);
        await heartbeat();
      }
    }
    const last = batch.messages.at(-1);
    if (!last || !isRunning() || isStale() || this.stopping) return;
    resolveOffset(last.offset);
    await offsets.done(batch.topic, batch.partition, last.offset);
  }
}

/** What a fetch of the process manager waits for (TRANSFER_SAGA_FETCH_WAIT_MS). */
function sagaFetch(waitMs: number): { minBytes: number; maxWaitTimeInMs: number } {
  return waitMs === 0
    ? { minBytes: 1, maxWaitTimeInMs: 100 }
    : { minBytes: SAGA_FETCH_MIN_BYTES, maxWaitTimeInMs: waitMs };
}

/** A fetch answers once this much is there, or after TRANSFER_SAGA_FETCH_WAIT_MS: some hundred messages. */
const SAGA_FETCH_MIN_BYTES = 64 * 1024;

/** The transfer an internal-topic message asks to advance, if any. Anything unreadable is not ours to judge: the projector dead-letters it. */
function transferToWake(value: Buffer | null): { transferId: string; trigger: Trigger } | undefined {
  let m: {
    streamType?: unknown;
    streamId?: unknown;
    type?: unknown;
    eventId?: unknown;
    metadata?: { correlationId?: unknown };
  };
  try {
    m = JSON.parse(value?.toString('utf8') ?? '') as typeof m;
  } catch {
    return undefined;
  }
  if (m === null || typeof m !== 'object' || m.streamType !== TRANSFER_STREAM_TYPE) return undefined;
  if (typeof m.streamId !== 'string' || typeof m.eventId !== 'string' || FINAL_EVENTS.has(String(m.type))) {
    return undefined;
  }
  const transferId = transferIdFromStreamId(m.streamId);
  if (!transferId) return undefined;
  const correlationId = typeof m.metadata?.correlationId === 'string' ? m.metadata.correlationId : m.eventId;
  return { transferId, trigger: { correlationId, causationId: m.eventId } };
}
