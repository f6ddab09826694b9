import type { Offsets } from 'kafkajs';

/**
 * What to pass to eachBatch's `commitOffsetsIfNecessary` once everything up to
 * and including `offset` of the batch's partition is done.
 *
 * With `autoCommit: false` and no autoCommit interval or threshold, kafkajs's
 * `commitOffsetsIfNecessary()` without offsets never commits: a consumer
 * killed (or a partition moved) would start again from the group's reset
 * policy instead of from where it was. Passing the offsets commits them.
 */
export function nextOffsetToCommit(topic: string, partition: number, offset: string): Offsets {
  return { topics: [{ topic, partitions: [{ partition, offset: (BigInt(offset) + 1n).toString() }] }] };
}
