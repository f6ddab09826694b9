// A sender thread of the outbox relay (ThreadedSender in batch-sender.ts):
// one idempotent producer that sends the batches the relay posts, one at a
// time, and answers each with its outcome. Loads kafkajs only, not Nest.
import { parentPort, workerData } from 'node:worker_threads';
import type { Producer } from 'kafkajs';
import { createKafka } from '../kafka-client.js';
import {
  RELAY_PRODUCER_CONFIG,
  type FromSenderThread,
  type SenderThreadConfig,
  type ToSenderThread,
} from './batch-sender.js';

const port = parentPort!;
const config = workerData as SenderThreadConfig;
const post = (message: FromSenderThread) => port.postMessage(message);
const kafka = createKafka(
  config.clientId,
  config.brokers,
  { pino: { warn: (fields, message) => post({ log: { fields: plain(fields), message } }) } },
  config.requestTimeout,
);
let producer: Producer | undefined;
// The relay waits for each answer before it posts the next batch; a chain keeps them in order regardless.
let queue = Promise.resolve();

port.on('message', (message: ToSenderThread) => {
  queue = queue.then(async () => {
    if ('close' in message) {
      await producer?.disconnect().catch(() => undefined);
      producer = undefined;
      post({ closed: true });
      return;
    }
    try {
      if (!producer) {
        const created = kafka.producer(RELAY_PRODUCER_CONFIG);
        await created.connect();
        producer = created;
      }
      await producer.sendBatch({ acks: -1, topicMessages: message.topicMessages });
      post({ id: message.id });
    } catch (err) {
      // The relay drops every sender after a failed send; this producer goes with it.
      const error = err instanceof Error ? err : new Error(String(err));
      post({ id: message.id, error: { name: error.name, message: error.message, stack: error.stack } });
    }
  });
});

/** Log fields as plain data: an Error or a function cannot cross to the relay's thread. */
function plain(fields: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(fields, (_key, value: unknown) => (value instanceof Error ? value.message : value)),
  ) as Record<string, unknown>;
}
