import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { partitionOfKey } from './key-partitioner.js';

function kafkajsPartition(key: string, partitions: number): number {
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, i) => ({
    partitionErrorCode: 0,
    partitionId: i,
    leader: 0,
    replicas: [0],
    isr: [0],
  }));
  return Partitioners.DefaultPartitioner()({ topic: 't', partitionMetadata, message: { key, value: null } });
}

describe('partitionOfKey', () => {
  it("puts every key on the partition kafkajs's default partitioner chooses", () => {
    const keys = [
      '',
      'a',
      'ab',
      'abc',
      'abcd',
      'abcde',
      ...Array.from({ length: 2000 }, () => `account-${randomUUID()}`),
      ...Array.from({ length: 500 }, (_, i) => randomBytes(i % 97).toString('base64')),
      // Multi-byte UTF-8, and keys longer than the reused buffer.
      'compte-é-ü-€-😀',
      'ключ-счёта',
      'x'.repeat(300),
      '€'.repeat(200),
    ];
    for (const partitions of [1, 3, 12, 50]) {
      const mismatches = keys.filter(
        (k) => partitionOfKey(k, partitions) !== kafkajsPartition(k, partitions),
      );
      expect({ partitions, mismatches }).toEqual({ partitions, mismatches: [] });
    }
  });
});
