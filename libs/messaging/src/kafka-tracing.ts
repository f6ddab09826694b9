import type { PendingOutboxMessage } from '@cqrs-bank/event-store';
import {
  CLOUD_EVENTS_TRACE_PREFIX,
  failSpan,
  isTracing,
  SpanKind,
  spanTraceHeaders,
  startSpan,
  traceContextFrom,
  TRACEPARENT,
  TRACESTATE,
  type Span,
  type TraceContext,
} from '@cqrs-bank/platform';
import type { IHeaders, KafkaMessage } from 'kafkajs';

// OpenTelemetry messaging semantic conventions (still "development" upstream,
// hence spelt out here rather than imported from the incubating entry point).
const MESSAGING_SYSTEM = 'messaging.system';
const OPERATION_TYPE = 'messaging.operation.type';
const OPERATION_NAME = 'messaging.operation.name';
const DESTINATION = 'messaging.destination.name';
const PARTITION = 'messaging.destination.partition.id';
const MESSAGE_ID = 'messaging.message.id';
const BATCH_COUNT = 'messaging.batch.message_count';
const KAFKA_KEY = 'messaging.kafka.message.key';
const KAFKA_OFFSET = 'messaging.kafka.offset';
const CONSUMER_GROUP = 'messaging.consumer.group.name';

/** Where a message keeps its trace context: `traceparent`, or `ce_traceparent` (CloudEvents binary mode). */
function tracePrefixOf(headers: Record<string, unknown>): string | undefined {
  if (headers[TRACEPARENT] !== undefined) return '';
  if (headers[CLOUD_EVENTS_TRACE_PREFIX + TRACEPARENT] !== undefined) return CLOUD_EVENTS_TRACE_PREFIX;
  return undefined;
}

/** The PRODUCER spans of one batch the relay sends; ended when Kafka answered. */
export interface PublishSpans {
  /** The batch's rows, those with a trace context carrying their own span's instead. */
  rows: PendingOutboxMessage[];
  end(error?: unknown): void;
}

/**
 * A PRODUCER span per outbox row that carries a trace context (written by the
 * append that stored its event, when that was sampled), a child of it; the
 * row's `traceparent` (or `ce_traceparent`) then names this span, so the
 * consumer's span is the publish's child. Rows without one are sent as they
 * are. Undefined when tracing is off here: the rows go out untouched (a
 * trace context they carry still reaches the consumer, one hop shorter).
 *
 * Per message, not per batch: a batch mixes messages of many requests, and
 * only a span of each message's own trace keeps "HTTP → command → outbox →
 * Kafka → projector" one trace. The cost is paid only by traced (sampled)
 * rows — see docs/architecture.md ("Tracing") for the measurement.
 */
export function startPublishSpans(
  rows: PendingOutboxMessage[],
  partitionOf: (row: PendingOutboxMessage) => number,
): PublishSpans | undefined {
  if (!isTracing()) return undefined;
  const spans: Span[] = [];
  const traced = rows.map((row) => {
    const prefix = tracePrefixOf(row.headers);
    const parent = prefix === undefined ? undefined : traceContextFrom(row.headers, prefix);
    if (prefix === undefined || !parent) return row;
    const span = startSpan(`send ${row.topic}`, {
      kind: SpanKind.PRODUCER,
      parent,
      attributes: {
        [MESSAGING_SYSTEM]: 'kafka',
        [OPERATION_TYPE]: 'send',
        [OPERATION_NAME]: 'send',
        [DESTINATION]: row.topic,
        [PARTITION]: String(partitionOf(row)),
        [KAFKA_KEY]: row.key,
        [BATCH_COUNT]: rows.length,
        ...messageId(row.headers),
      },
    })!;
    spans.push(span);
    const own = spanTraceHeaders(span, prefix);
    if (!own) return row;
    const headers = { ...row.headers };
    delete headers[prefix + TRACESTATE];
    return { ...row, headers: Object.assign(headers, own) };
  });
  return {
    rows: spans.length > 0 ? traced : rows,
    end(error) {
      for (const span of spans) {
        if (error !== undefined) failSpan(span, error);
        span.end();
      }
    },
  };
}

function messageId(headers: Record<string, string>): Record<string, string> {
  const id = headers['event-id'] ?? headers.ce_id;
  return id ? { [MESSAGE_ID]: id } : {};
}

/**
 * The trace a consumed message continues: its `traceparent` (or
 * `ce_traceparent`) header. Undefined when tracing is off in this process or
 * the message carries none (it was not traced, or not sampled).
 */
export function messageTraceContext(headers: IHeaders | undefined): TraceContext | undefined {
  if (!isTracing() || !headers) return undefined;
  const prefix = tracePrefixOf(headers);
  return prefix === undefined ? undefined : traceContextFrom(headers, prefix);
}

export interface ConsumedMessage {
  topic: string;
  partition: number;
  message: KafkaMessage;
  groupId: string;
}

/**
 * A CONSUMER span processing one message, a child of the trace the message
 * carries; undefined when it carries none or tracing is off (a message with no
 * trace context does not start a trace of its own: it was not sampled upstream).
 */
export function startConsumerSpan(consumed: ConsumedMessage, batchSize = 1): Span | undefined {
  const parent = messageTraceContext(consumed.message.headers);
  if (!parent) return undefined;
  const { topic, partition, message, groupId } = consumed;
  return startSpan(`process ${topic}`, {
    kind: SpanKind.CONSUMER,
    parent,
    attributes: {
      [MESSAGING_SYSTEM]: 'kafka',
      [OPERATION_TYPE]: 'process',
      [OPERATION_NAME]: 'process',
      [DESTINATION]: topic,
      [PARTITION]: String(partition),
      [KAFKA_OFFSET]: Number(message.offset),
      [CONSUMER_GROUP]: groupId,
      [BATCH_COUNT]: batchSize,
      ...(message.key ? { [KAFKA_KEY]: message.key.toString() } : {}),
    },
  });
}
