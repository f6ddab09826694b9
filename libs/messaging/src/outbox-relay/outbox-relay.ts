import {
  OUTBOX_START,
  type OutboxLease,
  type OutboxRead,
  type OutboxStore,
  type PendingOutboxMessage,
} from '@cqrs-bank/event-store';
import type { Kafka, Message, TopicMessages } from 'kafkajs';
import { startPublishSpans } from '../kafka-tracing.js';
import { InThreadSender, type BatchSender } from './batch-sender.js';
import { partitionOfKey } from './key-partitioner.js';

export interface RelayTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
}

export interface OutboxRelayOptions {
  /** Most outbox rows read, sent and deleted per round. */
  batchSize: number;
  /** Longest wait for new rows when no notification arrives (the polling fallback). */
  pollIntervalMs: number;
  /** How often a standby relay tries to take the lease over. */
  leaseRetryMs: number;
  /** Topics created at start-up when missing. */
  topics: RelayTopic[];
  /**
   * Producers in worker threads, each sending the partitions `p` with
   * `p % senderThreads` equal to its number; 0: one producer in the relay's own thread.
   */
  senderThreads: number;
}

/** What the relay reports; the Nest module turns it into metrics and logs. */
export interface OutboxRelayObserver {
  /** Rows Kafka acknowledged and the relay then deleted. */
  published(count: number): void;
  /** One round: a batch sent and acknowledged, the batch before it deleted and the one after it read. */
  round(seconds: number): void;
  failed(stage: RelayStage, error: unknown): void;
  leadership(held: boolean): void;
}

export type RelayStage = 'lease' | 'topics' | 'fetch' | 'send' | 'remove';

const MAX_BACKOFF_MS = 5000;

/**
 * Publishes the outbox to Kafka: at least once, in outbox order per key.
 *
 * One relay at a time holds the lease (an advisory lock, see OutboxStore) and
 * publishes one batch at a time: the oldest committed rows, sent with an
 * idempotent producer (acks = all, one request in flight, so Kafka keeps
 * their order per partition), the lease confirmed once Kafka acknowledged
 * them, then deleted. Under load Kafka and Postgres work at the same time:
 * while batch N is in flight, one statement deletes batch N − 1
 * (acknowledged) and reads batch N + 1 — the oldest rows other than batch
 * N's, so a row that committed late ahead of them is not skipped; batch N + 1
 * is sent only once batch N is acknowledged. When the outbox is quiet (no
 * notification since the last read), nothing is read ahead: once Kafka
 * acknowledged the batch, one statement on the lease's own session deletes
 * it, reads on and confirms the lease. A crash anywhere before a delete only
 * means the next leader sends those rows again (consumers dedupe on the event
 * id); nothing is deleted that Kafka has not acknowledged. A failed send,
 * read or delete ends the pipeline (the batch read ahead is dropped) and the
 * relay starts again from the oldest row after a backoff — rows wait in the
 * table, in order.
 */
export class OutboxRelay {
  private stopping = false;
  private running: Promise<void> | undefined;
  private lease: OutboxLease | undefined;
  private sender: BatchSender | undefined;
  /** Partitions of each topic this relay made sure of; forgotten with the producer (read again after a failure). */
  private readonly partitions = new Map<string, number>();
  private wakeSleeper: (() => void) | undefined;
  /**
   * Where the next read of the outbox starts (OutboxRead.next): moved on by
   * each read while rows are published; back to the start after a failure or
   * with a new lease, when rows read before may be in the table again.
   */
  private readFrom = OUTBOX_START;

  constructor(
    private readonly store: OutboxStore,
    private readonly kafka: Kafka,
    private readonly options: OutboxRelayOptions,
    private readonly observer: OutboxRelayObserver,
    /** Makes the producers (OutboxPublishingModule: threads when `senderThreads` > 0). */
    private readonly newSender: () => BatchSender = () => new InThreadSender(kafka),
  ) {}

  get isLeader(): boolean {
    return this.lease?.held ?? false;
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Finishes the round in flight, then releases the lease and the producer. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeSleeper?.();
    this.lease?.wake();
    await this.running;
  }

  private async run(): Promise<void> {
    let backoffMs = 0;
    while (!this.stopping) {
      const stage: { now: RelayStage } = { now: 'lease' };
      try {
        const lease = await this.holdLease();
        if (!lease) {
          await this.sleep(this.options.leaseRetryMs);
          continue;
        }
        stage.now = 'topics';
        await this.ensureTopics(this.options.topics.map((t) => t.name));
        const readAt = await this.publish(lease, stage);
        backoffMs = 0;
        // Asleep until rows commit after the last read (at once if they already did).
        if (readAt !== undefined) await lease.waitForRows(this.options.pollIntervalMs, readAt);
      } catch (err) {
        this.readFrom = OUTBOX_START;
        if (this.stopping) break;
        this.observer.failed(stage.now, err);
        if (stage.now === 'send') await this.dropProducer();
        backoffMs = Math.min(Math.max(backoffMs * 2, 200), MAX_BACKOFF_MS);
        await this.sleep(backoffMs);
      }
    }
    await this.dropProducer();
    await this.lease?.release();
    if (this.lease) this.observer.leadership(false);
    this.lease = undefined;
  }

  /**
   * Publishes batches until the outbox is empty, the lease is lost or the
   * relay stops; resolves with the lease's notification count as of its last
   * read of the outbox (undefined: the relay cannot go idle — stopping, or
   * the lease lost). Throws on a failed stage, leaving the rows not yet
   * deleted to the next attempt.
   *
   * Rows are read ahead, while a batch is in flight, only when there may be
   * more: the batch before it is still to be deleted, or an outbox
   * notification arrived since the last read. Otherwise (a quiet outbox,
   * one small batch at a time) the acknowledged batch is deleted and the
   * next read in one statement on the lease's session, which confirms the
   * lease too: two round trips to Postgres per batch, not four.
   */
  private async publish(lease: OutboxLease, stage: { now: RelayStage }): Promise<number | undefined> {
    const { batchSize } = this.options;
    stage.now = 'fetch';
    let readAt = lease.notifications;
    let rows = this.read(await this.store.fetch(batchSize, { from: this.readFrom }));
    /** Sent, acknowledged, the lease confirmed since: to be deleted. */
    let acked: PendingOutboxMessage[] = [];
    while (rows.length > 0 && !this.stopping && lease.held) {
      // A row for a topic that does not exist yet would fail every send and
      // hold back the whole outbox behind it: create it like the others.
      stage.now = 'topics';
      await this.ensureTopics(rows.map((r) => r.topic));
      const started = process.hrtime.bigint();
      const inFlight = rows;
      const previous = acked;
      const readAhead = previous.length > 0 || lease.notifications !== readAt;
      if (readAhead) readAt = lease.notifications;
      const [sent, next] = await Promise.allSettled([
        this.send(inFlight),
        readAhead
          ? this.store.removeAndFetch(
              previous.map((r) => r.id),
              batchSize,
              { inFlight: inFlight.map((r) => r.id), from: this.readFrom },
            )
          : Promise.resolve(undefined),
      ]);
      if (next.status === 'fulfilled' && previous.length > 0) this.observer.published(previous.length);
      if (sent.status === 'rejected') {
        stage.now = 'send';
        throw sent.reason;
      }
      if (next.status === 'rejected') {
        stage.now = previous.length > 0 ? 'remove' : 'fetch';
        throw next.reason;
      }
      const ahead = next.value ? this.read(next.value) : [];
      if (ahead.length > 0) {
        // A relay deposed while sending leaves the rows to the new leader.
        if (!(await lease.confirm())) return undefined;
        acked = inFlight;
        rows = ahead;
      } else {
        stage.now = 'remove';
        readAt = lease.notifications;
        const following = await lease.settle(
          inFlight.map((r) => r.id),
          batchSize,
          this.readFrom,
        );
        if (!following) return undefined;
        this.observer.published(inFlight.length);
        acked = [];
        rows = this.read(following);
      }
      this.observer.round(Number(process.hrtime.bigint() - started) / 1e9);
    }
    if (acked.length > 0) {
      // Stopping, or deposed after confirming: what Kafka has is deleted all the same.
      stage.now = 'remove';
      await this.store.removeAndFetch(
        acked.map((r) => r.id),
        0,
      );
      this.readFrom = OUTBOX_START;
      this.observer.published(acked.length);
    }
    return this.stopping || !lease.held ? undefined : readAt;
  }

  /** The rows of a read; the next read starts where it says. */
  private read({ rows, next }: OutboxRead): PendingOutboxMessage[] {
    this.readFrom = next;
    return rows;
  }

  private async holdLease(): Promise<OutboxLease | undefined> {
    if (this.lease?.held) return this.lease;
    if (this.lease) {
      this.lease = undefined;
      await this.dropProducer();
      this.observer.leadership(false);
    }
    const lease = await this.store.tryLease();
    if (!lease) return undefined;
    if (this.stopping) {
      await lease.release();
      return undefined;
    }
    this.lease = lease;
    this.readFrom = OUTBOX_START;
    this.observer.leadership(true);
    return lease;
  }

  private async ensureTopics(names: string[]): Promise<void> {
    const wanted = [...new Set(names)].filter((n) => !this.partitions.has(n));
    if (wanted.length === 0) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const settings = this.options.topics[0];
      const missing = wanted.filter((n) => !existing.has(n));
      if (missing.length > 0) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((name) => {
            const configured = this.options.topics.find((t) => t.name === name) ?? settings;
            return {
              topic: name,
              numPartitions: configured?.partitions ?? 1,
              replicationFactor: configured?.replicationFactor ?? 1,
            };
          }),
        });
      }
      const { topics } = await admin.fetchTopicMetadata({ topics: wanted });
      for (const t of topics) this.partitions.set(t.name, t.partitions.length);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async send(rows: PendingOutboxMessage[]): Promise<void> {
    this.sender ??= this.newSender();
    // Tracing on: a PRODUCER span per traced row, from here to Kafka's answer.
    const spans = startPublishSpans(rows, (row) => partitionOfKey(row.key, this.partitions.get(row.topic)!));
    try {
      await this.sender.send(lanesOf(spans?.rows ?? rows, this.partitions, this.sender.lanes));
    } catch (err) {
      spans?.end(err);
      throw err;
    }
    spans?.end();
  }

  private async dropProducer(): Promise<void> {
    const sender = this.sender;
    this.sender = undefined;
    this.partitions.clear();
    await sender?.close().catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeSleeper = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeSleeper = done;
    });
  }
}

/**
 * Splits rows into `lanes` parts by the partition their key hashes to (the
 * default partitioner's choice, computed once here, see key-partitioner.ts):
 * partition p goes to lane p % lanes, so one producer writes it. Within a
 * lane, rows are grouped by topic in their outbox order, so each key's
 * messages keep their order.
 */
function lanesOf(
  rows: PendingOutboxMessage[],
  partitions: ReadonlyMap<string, number>,
  lanes: number,
): TopicMessages[][] {
  const byLane = Array.from({ length: lanes }, () => new Map<string, Message[]>());
  for (const row of rows) {
    const count = partitions.get(row.topic);
    if (count === undefined) throw new Error(`no partition count for topic ${row.topic}`);
    const partition = partitionOfKey(row.key, count);
    const topics = byLane[partition % lanes];
    let messages = topics.get(row.topic);
    if (!messages) {
      messages = [];
      topics.set(row.topic, messages);
    }
    messages.push({ key: row.key, value: row.value, headers: row.headers, partition });
  }
  return byLane.map((topics) => [...topics].map(([topic, messages]) => ({ topic, messages })));
}
