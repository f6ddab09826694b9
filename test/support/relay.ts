import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { fetchTopicWatermarks } from '@cqrs-bank/messaging';
import { Kafka, logLevel, type Consumer } from 'kafkajs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim());

export function kafkaClient(clientId = 'test'): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, retry: { retries: 10 } });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface AppProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Resolves with the exit code (or signal) once the process ended. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}
export type RelayProcess = AppProcess;

/** Runs one of the built apps (dist/) as a real child process on a free port. */
export async function spawnApp(
  app: 'command-service' | 'outbox-relay' | 'projector' | 'query-service',
  env: Record<string, string> = {},
): Promise<AppProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [`${ROOT}dist/apps/${app}/src/main.js`], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    exited,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the built outbox-relay as a child process, polling and retrying fast. */
export function spawnRelay(env: Record<string, string> = {}): Promise<RelayProcess> {
  return spawnApp('outbox-relay', {
    OUTBOX_POLL_INTERVAL_MS: '200',
    OUTBOX_LEASE_RETRY_MS: '200',
    KAFKA_TOPIC_PARTITIONS: '3',
    ...env,
  });
}

/** Reads a relay's Prometheus metric (the first sample of that name). */
export async function metric(relay: AppProcess, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${relay.url}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

export interface Received {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: Record<string, unknown>;
  headers: Record<string, string>;
}

/**
 * A consumer group of its own reading `topics` from the beginning, collecting everything.
 * `fromNow`: start at the current end of each topic instead (topics shared by every
 * suite grow long); messages already there may still arrive, so filter by key.
 */
export async function collect(
  topics: string[],
  options: { fromNow?: boolean } = {},
): Promise<{ messages: Received[]; stop(): Promise<void> }> {
  const ends = options.fromNow ? await topicEnds(topics) : [];
  const consumer: Consumer = kafkaClient('test-collector').consumer({
    groupId: `test-${randomUUID()}`,
    maxWaitTimeInMs: 100,
    // Short sessions: after a broker restart the group re-forms in seconds, not 30 s.
    sessionTimeout: 6000,
    rebalanceTimeout: 6000,
    heartbeatInterval: 1000,
  });
  const messages: Received[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) {
        headers[k] = (Array.isArray(v) ? v[0] : v)?.toString() ?? '';
      }
      messages.push({
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? '',
        value: parseValue(message.value),
        headers,
      });
    },
  });
  if (options.fromNow) {
    await joined;
    for (const end of ends) consumer.seek(end);
  }
  return { messages, stop: () => consumer.disconnect() };
}

/** The current end (high watermark) of every partition of `topics`. */
async function topicEnds(topics: string[]): Promise<{ topic: string; partition: number; offset: string }[]> {
  const admin = kafkaClient('test-admin').admin();
  await admin.connect();
  try {
    const ends = await Promise.all(
      topics.map(async (topic) =>
        (await fetchTopicWatermarks(admin, topic)).map((p) => ({
          topic,
          partition: p.partition,
          offset: p.high,
        })),
      ),
    );
    return ends.flat();
  } finally {
    await admin.disconnect();
  }
}

/** The message's JSON value; a value that is not JSON (a DLQ'd poison message) as `{raw}`. */
function parseValue(value: Buffer | null): Record<string, unknown> {
  const text = value?.toString() ?? 'null';
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { raw: text };
  }
}

export async function createTopics(topics: string[], partitions = 3): Promise<void> {
  const admin = kafkaClient('test-admin').admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates a consumer group with committed offsets at the current end of
 * `topic`: consumers of it started with "earliest" read only what comes after,
 * and a replica that takes over a partition never falls back to "latest".
 */
export async function consumerGroupAtEnd(groupId: string, topic: string): Promise<void> {
  const admin = kafkaClient('test-group-admin').admin();
  await admin.connect();
  try {
    // The partitions' high watermarks themselves: `resetOffsets({earliest: false})`
    // commits -1 ("latest"), which a consumer subscribed fromBeginning reads as
    // no offset at all — and then starts at the beginning of the topic.
    const ends = await fetchTopicWatermarks(admin, topic);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
    });
  } finally {
    await admin.disconnect();
  }
}

/** Members of consumer group `groupId` once it is stable (0 while it is still forming). */
export async function stableGroupMembers(groupId: string): Promise<number> {
  const admin = kafkaClient('test-group-admin').admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return groups[0]?.state === 'Stable' ? groups[0].members.length : 0;
  } finally {
    await admin.disconnect();
  }
}
