import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { TopicPartitionOffsetAndMetadata } from 'kafkajs';
import { ThrottledOffsetCommits } from './offset-commits.js';

/** A consumer that records its commits; `failNext` makes the next one fail. */
function recordingConsumer() {
  const commits: TopicPartitionOffsetAndMetadata[][] = [];
  let failNext = false;
  return {
    commits,
    failNext: () => (failNext = true),
    consumer: {
      commitOffsets: async (offsets: TopicPartitionOffsetAndMetadata[]) => {
        if (failNext) {
          failNext = false;
          throw new Error('REBALANCE_IN_PROGRESS');
        }
        commits.push(offsets);
      },
    },
  };
}

const at = (topic: string, partition: number, offset: string) => ({ topic, partition, offset });

describe('ThrottledOffsetCommits', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  const make = (intervalMs: number) => {
    const recorded = recordingConsumer();
    const timerErrors: unknown[] = [];
    const throttled = new ThrottledOffsetCommits(recorded.consumer, intervalMs, (e) => timerErrors.push(e));
    return { ...recorded, throttled, timerErrors };
  };

  it('commits the first batch at once, the next offset after the one applied', async () => {
    const { throttled, commits } = make(1000);
    await throttled.done('t', 3, '41');
    expect(commits).toEqual([[at('t', 3, '42')]]);
  });

  it('within the interval leaves offsets pending, then commits the newest of each partition in one request', async () => {
    const { throttled, commits } = make(1000);
    await throttled.done('t', 0, '9');
    await throttled.done('t', 0, '10');
    await throttled.done('t', 1, '5');
    await throttled.done('t', 0, '11');
    expect(commits).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(999);
    expect(commits).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(commits).toEqual([[at('t', 0, '10')], [at('t', 0, '12'), at('t', 1, '6')]]);
  });

  it('after a quiet interval commits at once again', async () => {
    const { throttled, commits } = make(1000);
    await throttled.done('t', 0, '1');
    await jest.advanceTimersByTimeAsync(5000);
    expect(commits).toHaveLength(1);
    await throttled.done('t', 0, '2');
    expect(commits).toEqual([[at('t', 0, '2')], [at('t', 0, '3')]]);
  });

  it('with an interval of 0 commits after every batch', async () => {
    const { throttled, commits } = make(0);
    await throttled.done('t', 0, '1');
    await throttled.done('t', 0, '2');
    expect(commits).toEqual([[at('t', 0, '2')], [at('t', 0, '3')]]);
  });

  it('keeps a failed commit pending and tries again on a timer; a later offset wins over it', async () => {
    const { throttled, commits, failNext, timerErrors } = make(1000);
    failNext();
    await expect(throttled.done('t', 0, '1')).rejects.toThrow('REBALANCE_IN_PROGRESS');
    await throttled.done('t', 1, '7');
    await jest.advanceTimersByTimeAsync(1000);
    expect(commits).toEqual([[at('t', 0, '2'), at('t', 1, '8')]]);

    failNext();
    await throttled.done('t', 2, '1');
    await jest.advanceTimersByTimeAsync(1000);
    expect(timerErrors).toHaveLength(1);
    await throttled.done('t', 2, '4');
    await jest.advanceTimersByTimeAsync(1000);
    expect(commits.at(-1)).toEqual([at('t', 2, '5')]);
  });

  it('after a rebalance forgets the pending offsets of partitions it no longer holds', async () => {
    const { throttled, commits } = make(1000);
    await throttled.done('t', 0, '1');
    await throttled.done('t', 0, '2');
    await throttled.done('t', 1, '2');
    await throttled.done('u', 4, '2');
    throttled.retain({ t: [1, 5] });
    await jest.advanceTimersByTimeAsync(1000);
    expect(commits).toEqual([[at('t', 0, '2')], [at('t', 1, '3')]]);
  });

  it('flush commits what is pending now; close drops the timer', async () => {
    const { throttled, commits } = make(1000);
    await throttled.done('t', 0, '1');
    await throttled.done('t', 0, '2');
    await throttled.flush();
    expect(commits).toEqual([[at('t', 0, '2')], [at('t', 0, '3')]]);
    await throttled.done('t', 0, '3');
    throttled.close();
    await jest.advanceTimersByTimeAsync(5000);
    expect(commits).toHaveLength(2);
    expect(commits).toHaveLength(2); // the timer is gone; the offset is still pending
    await throttled.flush();
    expect(commits.at(-1)).toEqual([at('t', 0, '4')]);
  });
});
