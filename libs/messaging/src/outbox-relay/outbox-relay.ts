import type { OutboxLease, OutboxStore, PendingOutboxMessage } from '@cqrs-bank/event-store';
import { Partitioners, type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';

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
}

/** What the relay reports; the Nest module turns it into metrics and logs. */
export interface OutboxRelayObserver {
  published(count: number, seconds: number): void;
  failed(stage: 'lease' | 'topics' | 'fetch' | 'send' | 'remove', error: unknown): void;
  leadership(held: boolean): void;
}

const MAX_BACKOFF_MS = 5000;

/**
 * Publishes the outbox to Kafka: at least once, in outbox order per key.
 *
 * One relay at a time holds the lease (an advisory lock, see OutboxStore) and
 * runs rounds of: read the oldest committed rows → send them with an
 * idempotent producer (acks = all, one request in flight, so Kafka keeps
 * their order per partition) → confirm the lease is still held → delete
 * them. A crash anywhere before the delete only means the next leader sends
 * those rows again (consumers dedupe on the event id); nothing is deleted
 * that Kafka has not acknowledged. A Kafka outage makes the round fail and be
 * retried with backoff — rows wait in the table, in order.
 */
export class OutboxRelay {
  private stopping = false;
  private running: Promise<void> | undefined;
  private lease: OutboxLease | undefined;
  private producer: Producer | undefined;
  private readonly knownTopics = new Set<string>();
  private wakeSleeper: (() => void) | undefined;

  constructor(
    private readonly store: OutboxStore,
    private readonly kafka: Kafka,
    private readonly options: OutboxRelayOptions,
    private readonly observer: OutboxRelayObserver,
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
      let stage: Parameters<OutboxRelayObserver['failed']>[0] = 'lease';
      try {
        const lease = await this.holdLease();
        if (!lease) {
          await this.sleep(this.options.leaseRetryMs);
          continue;
        }
        stage = 'topics';
        await this.ensureTopics(this.options.topics.map((t) => t.name));
        stage = 'fetch';
        const rows = await this.store.fetch(this.options.batchSize);
        if (rows.length === 0) {
          await lease.waitForRows(this.options.pollIntervalMs);
          continue;
        }
        // A row for a topic that does not exist yet would fail every send and
        // hold back the whole outbox behind it: create it like the others.
        stage = 'topics';
        await this.ensureTopics(rows.map((r) => r.topic));
        stage = 'send';
        const started = process.hrtime.bigint();
        await this.send(rows);
        // A relay deposed while sending leaves the rows to the new leader.
        if (!(await lease.confirm())) continue;
        stage = 'remove';
        await this.store.remove(rows.map((r) => r.id));
        this.observer.published(rows.length, Number(process.hrtime.bigint() - started) / 1e9);
        backoffMs = 0;
      } catch (err) {
        if (this.stopping) break;
        this.observer.failed(stage, err);
        if (stage === 'send') await this.dropProducer();
        backoffMs = Math.min(Math.max(backoffMs * 2, 200), MAX_BACKOFF_MS);
        await this.sleep(backoffMs);
      }
    }
    await this.dropProducer();
    await this.lease?.release();
    if (this.lease) this.observer.leadership(false);
    this.lease = undefined;
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
    this.observer.leadership(true);
    return lease;
  }

  private async ensureTopics(names: string[]): Promise<void> {
    const wanted = [...new Set(names)].filter((n) => !this.knownTopics.has(n));
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
      for (const n of wanted) this.knownTopics.add(n);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async send(rows: PendingOutboxMessage[]): Promise<void> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
      });
      await producer.connect();
      this.producer = producer;
    }
    await this.producer.sendBatch({ acks: -1, topicMessages: byTopic(rows) });
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
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

/** Groups rows by topic, keeping their order within each topic (and so within each key). */
function byTopic(rows: PendingOutboxMessage[]): TopicMessages[] {
  const topics = new Map<string, Message[]>();
  for (const row of rows) {
    let messages = topics.get(row.topic);
    if (!messages) {
      messages = [];
      topics.set(row.topic, messages);
    }
    messages.push({ key: row.key, value: row.value, headers: row.headers });
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}
