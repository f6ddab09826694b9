import type { Admin } from 'kafkajs';

export interface TopicPartitionOffsets {
  partition: number;
  low: string;
  high: string;
}

const ATTEMPTS = 20;
const BACKOFF_MS = 250;

/**
 * The low and high watermark of every partition of `topic`.
 *
 * kafkajs's `admin.fetchTopicOffsets` retries only an unknown topic: right
 * after a topic is created (or a leader moves) a broker can still answer
 * NOT_LEADER_OR_FOLLOWER or LEADER_NOT_AVAILABLE, which it gives up on at once.
 * Those are transient, so this retries every error kafkajs marks retriable,
 * refreshing the topic's metadata between attempts.
 */
export async function fetchTopicWatermarks(
  admin: Admin,
  topic: string,
  attempts = ATTEMPTS,
): Promise<TopicPartitionOffsets[]> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.map(({ partition, low, high }) => ({ partition, low, high }));
    } catch (err) {
      if (attempt >= attempts || !isRetriable(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS * Math.min(attempt, 4)));
      await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
    }
  }
}

function isRetriable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === true;
}
