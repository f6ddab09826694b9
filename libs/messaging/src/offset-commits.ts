import type { Consumer, TopicPartitionOffsetAndMetadata } from 'kafkajs';

/**
 * A consumer group's Kafka offsets, committed at most once per interval.
 *
 * Our consumers apply every message idempotently (the projector's version
 * guard, the transfer saga's idempotent steps) and the projector keeps its
 * checkpoint with the read models in Postgres: the offset committed to Kafka
 * only tells a restarted or newly assigned consumer where to start, and one
 * that starts a little early skips a few redeliveries. A commit is a broker
 * round trip, though, and under load most batches hold a message or two: a
 * commit after each would double the broker work per batch. So the first batch
 * after a quiet interval commits at once; the ones after it leave their offset
 * pending, and a timer commits whatever is pending when the interval is over —
 * Kafka's offset is never more than one interval behind. An interval of 0
 * commits after every batch.
 *
 * With `autoCommit: false` kafkajs commits nothing by itself (its
 * `commitOffsetsIfNecessary()` without offsets never commits then).
 */
export class ThrottledOffsetCommits {
  private readonly pending = new Map<string, TopicPartitionOffsetAndMetadata>();
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly consumer: Pick<Consumer, 'commitOffsets'>,
    private readonly intervalMs: number,
    /** A commit run by the timer failed: its offsets stay pending for the next one. */
    private readonly onTimerError: (err: unknown) => void,
  ) {}

  /**
   * Everything of the partition up to and including `offset` is applied and
   * durable: its next offset is to be committed. Resolves once committed when
   * the interval allows a commit now (a failure rejects, the offset stays
   * pending), at once otherwise.
   */
  async done(topic: string, partition: number, offset: string): Promise<void> {
    this.pending.set(key(topic, partition), { topic, partition, offset: (BigInt(offset) + 1n).toString() });
    const wait = this.lastCommitAt + this.intervalMs - Date.now();
    if (wait <= 0) return this.commit();
    this.schedule(wait);
  }

  /**
   * After a rebalance: forgets the pending offsets of partitions this
   * consumer no longer holds (their new owner commits them).
   */
  retain(assignment: Partial<Record<string, number[]>>): void {
    for (const [k, o] of this.pending) {
      if (!assignment[o.topic]?.includes(o.partition)) this.pending.delete(k);
    }
  }

  /** Commits what is pending now: before the consumer leaves its group. */
  async flush(): Promise<void> {
    await this.commit();
  }

  /** Stops the timer; what is pending is not committed. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async commit(): Promise<void> {
    this.close();
    if (this.pending.size === 0) return;
    const offsets = [...this.pending.values()];
    this.pending.clear();
    this.lastCommitAt = Date.now();
    try {
      await this.consumer.commitOffsets(offsets);
    } catch (err) {
      // Back to pending, unless a later batch has moved the partition on meanwhile.
      for (const o of offsets) {
        const k = key(o.topic, o.partition);
        if (!this.pending.has(k)) this.pending.set(k, o);
      }
      this.schedule(Math.max(this.intervalMs, RETRY_MIN_MS));
      throw err;
    }
  }

  private schedule(waitMs: number): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.commit().catch(this.onTimerError);
    }, waitMs);
    // Pending offsets never keep a process alive that is otherwise done.
    this.timer.unref();
  }
}

/**
 * The batch handlers of a consumer still running: a shutdown waits for them
 * before it commits the offsets they leave pending (kafkajs refuses commits
 * once its consumer stopped).
 */
export class BatchesInFlight {
  private readonly running = new Set<Promise<unknown>>();

  track<T>(batch: Promise<T>): Promise<T> {
    this.running.add(batch);
    const forget = () => this.running.delete(batch);
    batch.then(forget, forget);
    return batch;
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}

/** The least wait before a failed commit is tried again. */
const RETRY_MIN_MS = 1000;

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
