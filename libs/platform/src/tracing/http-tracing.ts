import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { traceContextFrom } from './trace-context.js';
import { startSpan } from './tracing.js';

/**
 * A SERVER span per HTTP request, continuing the caller's `traceparent` (else
 * the root of a new trace), active while the route runs: the command, the
 * event-store append and the outbox rows it writes descend from it. Routes in
 * `untraced` (probes, metrics scrapes) get none. Register only when tracing is
 * on (createHttpApp does): with tracing off there is no hook at all.
 *
 * Returns the trace id of a request's span, for its log line.
 */
export function traceHttpRequests(
  fastify: FastifyInstance,
  untraced: ReadonlySet<string>,
): (request: FastifyRequest) => string | undefined {
  const spans = new WeakMap<FastifyRequest, Span>();
  const end = (request: FastifyRequest, status: number | undefined) => {
    const span = spans.get(request);
    // Ended already (an abort, then the response), or not sampled: nothing to record.
    if (!span?.isRecording()) return;
    if (status === undefined) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client went away' });
    } else {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      // Server spans: a 4xx is the client's mistake, not this service's error.
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  };

  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    if (route !== undefined && untraced.has(route)) return done();
    const parent = traceContextFrom(request.headers) ?? ROOT_CONTEXT;
    const span = startSpan(route ? `${request.method} ${route}` : request.method, {
      kind: SpanKind.SERVER,
      parent,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: request.method,
        [ATTR_URL_SCHEME]: request.protocol,
        [ATTR_URL_PATH]: request.url.split('?')[0],
        ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
      },
    });
    if (!span) return done();
    spans.set(request, span);
    context.with(trace.setSpan(parent, span), done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    end(request, reply.statusCode);
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    end(request, undefined);
    done();
  });

  return (request) => spans.get(request)?.spanContext().traceId;
}
