import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { SPAN_KIND, startOtlpReceiver, type OtlpReceiver } from '../../../../test/support/otlp-receiver.js';
import { parseTraceparent, traceContextFrom, traceHeadersOf } from './trace-context.js';
import {
  activeTraceHeaders,
  flushTracing,
  inSpan,
  isTracing,
  SpanKind,
  startSpan,
  startTracing,
  stopTracing,
} from './tracing.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const SAMPLED = `00-${TRACE_ID}-${PARENT_ID}-01`;

describe('trace context headers', () => {
  it('writes traceparent (and tracestate) of a sampled span context, under a prefix when asked', () => {
    const spanContext = { traceId: TRACE_ID, spanId: PARENT_ID, traceFlags: TraceFlags.SAMPLED };
    expect(traceHeadersOf(spanContext)).toEqual({ traceparent: SAMPLED });
    expect(traceHeadersOf(spanContext, 'ce_')).toEqual({ ce_traceparent: SAMPLED });
  });

  it('writes nothing for an unsampled or invalid span context', () => {
    expect(traceHeadersOf({ traceId: TRACE_ID, spanId: PARENT_ID, traceFlags: TraceFlags.NONE })).toBe(
      undefined,
    );
    expect(traceHeadersOf({ traceId: '0'.repeat(32), spanId: PARENT_ID, traceFlags: 1 })).toBe(undefined);
  });

  it('reads traceparent from HTTP headers and from kafkajs Buffer headers, with its tracestate', () => {
    const fromHttp = traceContextFrom({ traceparent: SAMPLED, tracestate: 'vendor=1' });
    expect(trace.getSpanContext(fromHttp!)).toMatchObject({
      traceId: TRACE_ID,
      spanId: PARENT_ID,
      isRemote: true,
    });
    expect(trace.getSpanContext(fromHttp!)?.traceState?.get('vendor')).toBe('1');
    const fromKafka = traceContextFrom({ ce_traceparent: Buffer.from(SAMPLED) }, 'ce_');
    expect(trace.getSpanContext(fromKafka!)?.traceId).toBe(TRACE_ID);
  });

  it('ignores a missing or malformed traceparent', () => {
    expect(traceContextFrom({})).toBe(undefined);
    expect(traceContextFrom({ traceparent: 'not-a-traceparent' })).toBe(undefined);
    expect(traceContextFrom({ traceparent: SAMPLED })).not.toBe(undefined);
    expect(traceContextFrom({ traceparent: SAMPLED }, 'ce_')).toBe(undefined);
    expect(parseTraceparent(`00-${'0'.repeat(32)}-${PARENT_ID}-01`)).toBe(undefined);
  });
});

describe('tracing off (the default)', () => {
  it('creates no span and writes no trace header, even inside a sampled remote context', async () => {
    expect(isTracing()).toBe(false);
    expect(startSpan('nothing')).toBe(undefined);
    const remote = traceContextFrom({ traceparent: SAMPLED })!;
    const seen = await context.with(remote, () =>
      inSpan('nothing', {}, async (span) => ({ span, headers: activeTraceHeaders() })),
    );
    expect(seen).toEqual({ span: undefined, headers: undefined });
  });
});

describe('tracing on (OTLP/HTTP JSON)', () => {
  let receiver: OtlpReceiver;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    startTracing({ serviceName: 'tracing-spec', endpoint: receiver.endpoint, sampleRatio: 1 });
  });
  afterAll(async () => {
    await stopTracing();
    await receiver.close();
  });

  it('exports nested spans of one trace, continuing a remote parent, with headers naming the active span', async () => {
    expect(isTracing()).toBe(true);
    const remote = traceContextFrom({ traceparent: SAMPLED })!;
    const headers = await inSpan('outer', { kind: SpanKind.SERVER, parent: remote }, () =>
      inSpan('inner', { attributes: { answer: 42 } }, async (inner) => ({
        plain: activeTraceHeaders(),
        cloudEvents: activeTraceHeaders('ce_'),
        innerId: inner!.spanContext().spanId,
      })),
    );
    expect(headers.plain).toEqual({ traceparent: `00-${TRACE_ID}-${headers.innerId}-01` });
    expect(headers.cloudEvents).toEqual({ ce_traceparent: `00-${TRACE_ID}-${headers.innerId}-01` });
    await expect(
      inSpan('failing', {}, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');

    await flushTracing();
    const byName = new Map(receiver.spans.map((s) => [s.name, s]));
    const outer = byName.get('outer')!;
    const inner = byName.get('inner')!;
    expect(outer).toMatchObject({
      service: 'tracing-spec',
      traceId: TRACE_ID,
      parentSpanId: PARENT_ID,
      kind: SPAN_KIND.server,
    });
    expect(inner).toMatchObject({
      traceId: TRACE_ID,
      parentSpanId: outer.spanId,
      spanId: headers.innerId,
      kind: SPAN_KIND.internal,
      attributes: { answer: 42 },
    });
    expect(byName.get('failing')?.status).toMatchObject({ code: 2, message: 'boom' });
    expect(byName.get('failing')?.parentSpanId).toBe(undefined);
    expect(receiver.rejected).toEqual([]);
  });

  it('does not continue an unsampled parent: no span is recorded and no header written', async () => {
    const unsampled = traceContextFrom({ traceparent: `00-${TRACE_ID}-${PARENT_ID}-00` })!;
    const headers = await inSpan('unsampled', { parent: unsampled }, async () => activeTraceHeaders());
    expect(headers).toBe(undefined);
    await flushTracing();
    expect(receiver.spans.some((s) => s.name === 'unsampled')).toBe(false);
  });
});
