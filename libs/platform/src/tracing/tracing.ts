import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { setGlobalErrorHandler, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { hostname } from 'node:os';
import { traceHeadersOf, type TraceHeaders } from './trace-context.js';

export interface TracingSettings {
  /** `service.name` of every span this process records. */
  serviceName: string;
  /** OTLP/HTTP base URL: spans are POSTed (JSON) to `<endpoint>/v1/traces`. */
  endpoint: string;
  /** Share of new traces recorded (0..1); a continued trace follows its parent's decision. */
  sampleRatio: number;
  /** Told when the SDK fails, e.g. to export (at most once a minute): a logger's warn. */
  onError?: (error: unknown) => void;
}

interface Active {
  provider: NodeTracerProvider;
  tracer: Tracer;
}

/**
 * The process's tracer provider, set only while tracing is on. Everything
 * below checks it first: with tracing off no span object, header or hook
 * exists, and the code paths are the ones without tracing.
 */
let active: Active | undefined;

const ERROR_REPORT_INTERVAL_MS = 60_000;

/** True while this process records spans (TRACING=otlp). */
export function isTracing(): boolean {
  return active !== undefined;
}

/**
 * Registers the OTLP tracer provider for this process; once per process (a
 * second call is ignored). W3C trace context is the only propagation format.
 */
export function startTracing(settings: TracingSettings): void {
  if (active) return;
  const exporter = new OTLPTraceExporter({ url: `${settings.endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: settings.serviceName,
        [ATTR_SERVICE_INSTANCE_ID]: `${hostname()}:${process.pid}`,
      }),
    ),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
    spanProcessors: [
      new BatchSpanProcessor(exporter, {
        // The relay ends a span per message it publishes, a batch (up to
        // OUTBOX_BATCH_SIZE rows) at a time: room for a few batches.
        maxQueueSize: 16_384,
        maxExportBatchSize: 1024,
        scheduledDelayMillis: 1000,
      }),
    ],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  let lastReported = 0;
  setGlobalErrorHandler((error) => {
    const now = Date.now();
    if (now - lastReported < ERROR_REPORT_INTERVAL_MS) return;
    lastReported = now;
    settings.onError?.(error);
  });
  active = { provider, tracer: provider.getTracer('cqrs-bank') };
}

/** Exports the spans ended so far (shutdown hooks; tests). */
export async function flushTracing(): Promise<void> {
  await active?.provider.forceFlush();
}

/**
 * Exports what is left and unregisters the provider: the last thing a process
 * does before it exits. Waits at most `timeoutMs` for the collector: one that
 * does not answer costs the last spans, never a clean exit.
 */
export async function stopTracing(timeoutMs = 2000): Promise<void> {
  const stopping = active;
  if (!stopping) return;
  active = undefined;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    stopping.provider.shutdown().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
  trace.disable();
  context.disable();
  propagation.disable();
}

export interface TraceSpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  links?: Link[];
  /** The parent; default: the active context (the span the caller runs in, if any). */
  parent?: Context;
  /** Start time, when the work began before the span could be started. */
  startTime?: number;
}

/**
 * Starts a span that the caller ends; undefined while tracing is off. For work
 * whose span outlives a function call (a message from send to acknowledgement).
 */
export function startSpan(name: string, options: TraceSpanOptions = {}): Span | undefined {
  if (!active) return undefined;
  const { parent, ...spanOptions } = options;
  return active.tracer.startSpan(name, spanOptions, parent ?? context.active());
}

/**
 * Runs `work` in a span (active inside it, so spans and trace headers made
 * there descend from it) that ends when `work` settles; a thrown error is
 * recorded on the span and rethrown. With tracing off, `work` runs as is and
 * gets no span.
 */
export async function inSpan<T>(
  name: string,
  options: TraceSpanOptions,
  work: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!active) return work(undefined);
  const span = startSpan(name, options)!;
  try {
    return await context.with(trace.setSpan(options.parent ?? context.active(), span), () => work(span));
  } catch (err) {
    failSpan(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Marks a span failed with `error` (recorded as an exception event); the caller still ends it. */
export function failSpan(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/** Runs `work` with `span` active (so what it starts descends from it); plain `work()` without a span. */
export function withActiveSpan<T>(span: Span | undefined, work: () => T): T {
  if (!span) return work();
  return context.with(trace.setSpan(context.active(), span), work);
}

/**
 * `traceparent` (and `tracestate`) of the span active here, named with
 * `prefix`: what a message written now carries so that its consumer continues
 * this trace. Undefined when tracing is off, no span is active or it is not sampled.
 */
export function activeTraceHeaders(prefix = ''): TraceHeaders | undefined {
  if (!active) return undefined;
  const span = trace.getActiveSpan();
  return span ? traceHeadersOf(span.spanContext(), prefix) : undefined;
}

/** The same for a given span. */
export function spanTraceHeaders(span: Span, prefix = ''): TraceHeaders | undefined {
  return traceHeadersOf(span.spanContext(), prefix);
}

export { SpanKind, SpanStatusCode, type Span, type Context as TraceContext, type Link as SpanLink };
