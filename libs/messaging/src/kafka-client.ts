import { Kafka, logLevel } from 'kafkajs';

/** A repeated kafkajs message (a broker that stays down) is logged at most this often. */
const REPEAT_LOG_INTERVAL_MS = 10_000;

/** Where kafkajs's warnings go: the app's JsonLogger, or a sender thread's forwarder to it. */
export interface KafkaLogSink {
  pino: { warn(fields: Record<string, unknown>, message: string): void };
}

/**
 * The apps' kafkajs client. Kept apart from the Nest module: the relay's
 * sender threads build theirs with it without loading Nest.
 */
export function createKafka(
  clientId: string,
  brokers: string[],
  logger?: KafkaLogSink,
  requestTimeout = 10_000,
): Kafka {
  const lastLogged = new Map<string, { at: number; suppressed: number }>();
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3000,
    requestTimeout,
    retry: { initialRetryTime: 300, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      if (!logger) return;
      // kafkajs repeats its own timestamp and logger name, and a connection refusal needs no stack.
      const { message, ...rest }: Record<string, unknown> = entry.log;
      delete rest.timestamp;
      delete rest.logger;
      delete rest.stack;
      const text = String(message);
      const key = `${entry.namespace}:${text}`;
      const now = Date.now();
      const last = lastLogged.get(key);
      if (last && now - last.at < REPEAT_LOG_INTERVAL_MS) {
        last.suppressed += 1;
        return;
      }
      lastLogged.set(key, { at: now, suppressed: 0 });
      if (lastLogged.size > 1000) lastLogged.clear();
      logger.pino.warn(
        {
          context: `kafkajs:${entry.namespace}`,
          kafkaLevel: entry.level,
          ...rest,
          ...(last?.suppressed ? { repeatedSinceLastLog: last.suppressed } : {}),
        },
        text,
      );
    },
  });
}
