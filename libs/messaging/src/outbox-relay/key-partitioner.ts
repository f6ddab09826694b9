/**
 * The partition kafkajs's DefaultPartitioner (Java-compatible) gives a keyed
 * message: `toPositive(murmur2(key)) % partitions`. Computed here with 32-bit
 * integer arithmetic instead of kafkajs's 64-bit Long emulation — the same
 * result (murmur2 only multiplies, xors and shifts the low 32 bits; see
 * key-partitioner.spec.ts, which checks it against kafkajs) at a fraction of
 * the CPU, which is the relay's bottleneck. The relay sets the partition on
 * every message, so kafkajs does not hash the key again, and a key lands on
 * the very partition it always did.
 */
export function partitionOfKey(key: string, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Reused for the UTF-8 bytes of each key (keys are short; grown when one is not). */
let scratch = Buffer.allocUnsafe(256);

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2) of the key's UTF-8 bytes, as a signed int. */
export function murmur2(key: string): number {
  if (key.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(key.length * 3);
  const data = scratch;
  const length = data.write(key, 0, 'utf8');
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest > 0) {
    const tail = length - rest;
    if (rest === 3) h ^= data[tail + 2] << 16;
    if (rest >= 2) h ^= data[tail + 1] << 8;
    h ^= data[tail];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}
