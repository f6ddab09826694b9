import { ROOT_CONTEXT, trace, TraceFlags, type Context, type SpanContext } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * W3C Trace Context (`traceparent`, `tracestate`) in message and request
 * headers. `prefix` names the same fields elsewhere: CloudEvents in Kafka binary
 * mode carry its distributed-tracing extension as `ce_traceparent` / `ce_tracestate`.
 */
export type TraceHeaders = Record<string, string>;

/** What a header map holds: HTTP headers (string, string[]) and kafkajs headers (Buffer, string, arrays of them). */
export type HeaderCarrier = Record<string, unknown>;

export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';
/** CloudEvents distributed-tracing extension, Kafka binary mode. */
export const CLOUD_EVENTS_TRACE_PREFIX = 'ce_';

const propagator = new W3CTraceContextPropagator();

function headerValue(carrier: HeaderCarrier, key: string): string | undefined {
  const raw = carrier[key];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (typeof first === 'string') return first;
  if (Buffer.isBuffer(first)) return first.toString('latin1');
  return undefined;
}

/**
 * The headers that carry `spanContext` downstream; undefined when it is not
 * valid or not sampled: an unsampled trace is not continued (nothing is
 * recorded downstream, and the message stays as it would be with tracing off).
 */
export function traceHeadersOf(spanContext: SpanContext, prefix = ''): TraceHeaders | undefined {
  if ((spanContext.traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
  const carrier: TraceHeaders = {};
  propagator.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), carrier, {
    set: (c, key, value) => {
      c[prefix + key] = value;
    },
  });
  return carrier[prefix + TRACEPARENT] === undefined ? undefined : carrier;
}

/**
 * The remote parent that `carrier`'s `traceparent` (under `prefix`) names;
 * undefined when there is none or it is malformed (W3C: then start a new trace).
 */
export function traceContextFrom(carrier: HeaderCarrier, prefix = ''): Context | undefined {
  if (carrier[prefix + TRACEPARENT] === undefined) return undefined;
  const extracted = propagator.extract(ROOT_CONTEXT, carrier, {
    get: (c, key) => headerValue(c, prefix + key),
    keys: (c) => Object.keys(c),
  });
  return trace.getSpanContext(extracted) ? extracted : undefined;
}

/** The span context a `traceparent` header names (tests, logs); undefined when malformed. */
export function parseTraceparent(value: string): SpanContext | undefined {
  const ctx = traceContextFrom({ [TRACEPARENT]: value });
  return ctx ? trace.getSpanContext(ctx) : undefined;
}
