import { Worker } from 'node:worker_threads';
import { Partitioners, type Kafka, type Producer, type ProducerConfig, type TopicMessages } from 'kafkajs';
import type { KafkaLogSink } from '../kafka-client.js';

/** The relay's producers: idempotent, one request in flight (Kafka keeps their order per partition). */
export const RELAY_PRODUCER_CONFIG: ProducerConfig = {
  idempotent: true,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: false,
  createPartitioner: Partitioners.DefaultPartitioner,
  retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
};

/**
 * Sends a batch already split into `lanes` parts, part i always with the
 * same producer i, all parts at once; resolves when Kafka acknowledged every
 * part, rejects (after every part settled) when one failed. The relay puts a
 * partition's messages in lane `partition % lanes`, so one producer writes
 * each partition, one request at a time.
 */
export interface BatchSender {
  readonly lanes: number;
  send(parts: TopicMessages[][]): Promise<void>;
  /** Disconnects the producers; the sender is not used again. */
  close(): Promise<void>;
}

/** One producer in this thread. */
export class InThreadSender implements BatchSender {
  readonly lanes = 1;
  private producer: Producer | undefined;

  constructor(private readonly kafka: Kafka) {}

  async send(parts: TopicMessages[][]): Promise<void> {
    if (!this.producer) {
      const producer = this.kafka.producer(RELAY_PRODUCER_CONFIG);
      await producer.connect();
      this.producer = producer;
    }
    await this.producer.sendBatch({ acks: -1, topicMessages: parts[0] });
  }

  async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
  }
}

/** What a sender thread needs to build its kafkajs client (createKafka's arguments). */
export interface SenderThreadConfig {
  clientId: string;
  brokers: string[];
  requestTimeout: number;
}

/** Messages between the relay and a sender thread (batch-sender.worker.ts). */
export type ToSenderThread = { id: number; topicMessages: TopicMessages[] } | { close: true };
export type FromSenderThread =
  | { id: number; error?: { name: string; message: string; stack?: string } }
  | { log: { fields: Record<string, unknown>; message: string } }
  | { closed: true };

/**
 * One producer per worker thread: kafkajs encodes every record in
 * JavaScript, which makes one thread the relay's ceiling (measured: ≈ 45 µs
 * of CPU per message). Lanes in threads encode and send in parallel, and the
 * relay's own thread stays free to delete and read rows meanwhile.
 */
export class ThreadedSender implements BatchSender {
  private readonly threads: SenderThread[];

  constructor(
    readonly lanes: number,
    config: SenderThreadConfig,
    logger?: KafkaLogSink,
  ) {
    this.threads = Array.from({ length: lanes }, () => new SenderThread(config, logger));
  }

  async send(parts: TopicMessages[][]): Promise<void> {
    const outcomes = await Promise.allSettled(
      parts.map((part, i) => (part.length > 0 ? this.threads[i].send(part) : undefined)),
    );
    const failed = outcomes.find((o) => o.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }
}

const CLOSE_TIMEOUT_MS = 5000;

class SenderThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(): void; reject(err: Error): void }>();
  private nextId = 0;
  private exited: Error | undefined;
  private closed: (() => void) | undefined;

  constructor(config: SenderThreadConfig, logger?: KafkaLogSink) {
    this.worker = new Worker(new URL('./batch-sender.worker.js', import.meta.url), { workerData: config });
    this.worker.on('message', (message: FromSenderThread) => {
      if ('log' in message) logger?.pino.warn(message.log.fields, message.log.message);
      else if ('closed' in message) this.closed?.();
      else {
        const waiting = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (!message.error) waiting?.resolve();
        else waiting?.reject(Object.assign(new Error(message.error.message), message.error));
      }
    });
    const fail = (err: Error) => {
      this.exited ??= err;
      for (const waiting of this.pending.values()) waiting.reject(err);
      this.pending.clear();
      this.closed?.();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the relay's sender thread exited (${code})`)));
  }

  send(topicMessages: TopicMessages[]): Promise<void> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, topicMessages } satisfies ToSenderThread);
    });
  }

  /** Lets the thread disconnect its producer, then ends it. */
  async close(): Promise<void> {
    if (!this.exited) {
      const closed = new Promise<void>((resolve) => (this.closed = resolve));
      this.worker.postMessage({ close: true } satisfies ToSenderThread);
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref())]);
    }
    await this.worker.terminate();
  }
}
