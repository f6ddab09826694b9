import type { Type } from '@nestjs/common';
import { DiscoveryService, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { BaseConfig } from '../config/base.config.js';
import { JsonLogger } from '../logging/json-logger.js';
import { correlationIdFrom, requestContext } from '../logging/request-context.js';
import { MetricsRegistry } from '../metrics/metrics.js';
import { traceHttpRequests } from '../tracing/http-tracing.js';
import { isTracing, stopTracing } from '../tracing/tracing.js';
import { attachFastPaths, discoverFastPaths } from './fast-path.js';
import { isPlatformPath } from './platform-routes.js';
import { sendProblem, toProblem } from './problem.filter.js';

/** SPEC §5: request bodies above 16 KiB are refused with 413. */
export const BODY_LIMIT_BYTES = 16 * 1024;

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
};

export interface HttpAppOptions {
  title: string;
  description?: string;
  /**
   * Serve the Swagger UI at /docs (default). The JSON document at
   * /docs/openapi.json is always served. Jest on Node 20 cannot load the UI's
   * static-file plugin (CommonJS requiring ESM), so the in-process tests turn it off.
   */
  swaggerUi?: boolean;
}

/** Routes that are neither logged nor traced: probes and scrapes, every few seconds. */
const QUIET_ROUTES: ReadonlySet<string> = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * Creates a Fastify-backed Nest app with the platform's HTTP behaviour:
 * correlation ids, request logs and metrics, a trace span per request (when
 * TRACING is on), problem+json for every error
 * (including Fastify's own), security headers, OpenAPI at /docs, the
 * app's route fast paths (RouteFastPath), and graceful shutdown on
 * SIGTERM/SIGINT.
 */
export async function createHttpApp(
  module: Type<unknown>,
  options: HttpAppOptions,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // Fastify's default (100) answers 414 to a path parameter of an id the API
    // accepts (owner ids: up to 200 characters, percent-encoded even longer).
    routerOptions: { maxParamLength: 1024 },
    logger: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // The router refuses a malformed URL (bad percent-encoding) or an over-long
    // path parameter before any hook or Nest handler runs: answer those as
    // problem+json too, with the headers every other answer carries.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const correlationId = correlationIdFrom(request.headers['x-correlation-id']);
      void reply.header('x-correlation-id', correlationId).headers(SECURITY_HEADERS);
      requestContext.run({ correlationId }, () => sendProblem(reply, request, toProblem(error)));
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: true,
    abortOnError: false,
    // Only Fastify's own JSON parser: no form or text bodies (they get 415).
    bodyParser: false,
  });
  const logger = app.get(JsonLogger);
  const metrics = app.get(MetricsRegistry);
  app.useLogger(logger);
  app.flushLogs();

  const fastify = app.getHttpAdapter().getInstance();
  // JSON only: any other body type is answered 415.
  fastify.removeContentTypeParser(['text/plain']);
  fastify.addHook('onRequest', (request, reply, done) => {
    const correlationId = correlationIdFrom(request.headers['x-correlation-id']);
    void reply.header('x-correlation-id', correlationId).headers(SECURITY_HEADERS);
    requestContext.run({ correlationId }, done);
  });
  // Registered after the correlation id's hook, so the span runs inside its context.
  const traceIdOf = isTracing() ? traceHttpRequests(fastify, QUIET_ROUTES) : undefined;
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, seconds);
    if (!QUIET_ROUTES.has(route) && logger.pino.isLevelEnabled('info')) {
      const traceId = traceIdOf?.(request);
      logger.pino.info({
        msg: 'request',
        method: request.method,
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        ...(traceId ? { traceId } : {}),
      });
    }
    done();
  });
  // Fastify's own errors (bad JSON, body too large, media type) and unknown routes reach
  // ProblemDetailsFilter through Nest's error and not-found handlers.
  // Before Nest registers its routes (app.init): each fast path joins its route as it is added.
  attachFastPaths(fastify, discoverFastPaths(app.get(DiscoveryService)), ({ method, url }) =>
    metrics.httpFastPathAnswers.inc({ method, route: url }),
  );

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(options.title)
      .setDescription(options.description ?? '')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  documentRateLimit(document);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs/openapi.json',
    ui: options.swaggerUi ?? true,
  });

  return app;
}

/**
 * Every business route may answer 429 RATE_LIMITED (the limiter is global,
 * libs/platform/src/rate-limit): say so once here rather than on each route.
 */
function documentRateLimit(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    if (isPlatformPath(path)) continue;
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation) continue;
      operation.responses['429'] ??= {
        description: 'RATE_LIMITED: this caller made too many requests; try again after Retry-After seconds',
        headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } },
        content: { 'application/problem+json': { schema: { type: 'object' } } },
      };
    }
  }
}

/**
 * Listens on the configured host/port and owns the process's shutdown: on
 * SIGTERM/SIGINT it stops accepting requests, lets in-flight ones finish,
 * runs every shutdown hook (pools, Kafka clients), exports the last spans
 * (when tracing is on), then exits 0. If that takes
 * longer than SHUTDOWN_TIMEOUT_MS the process exits 1 anyway.
 */
export async function listen(app: NestFastifyApplication): Promise<string> {
  const config = app.get(BaseConfig);
  const logger = app.get(JsonLogger);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log({ msg: 'shutting down', signal, timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'Shutdown');
    setTimeout(() => {
      logger.error(`shutdown did not finish within ${config.SHUTDOWN_TIMEOUT_MS} ms; exiting`, 'Shutdown');
      logger.flush();
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS).unref();
    app
      .close()
      .then(() => stopTracing(Math.min(2000, config.SHUTDOWN_TIMEOUT_MS / 4)))
      .then(
        () => {
          logger.log({ msg: 'stopped' }, 'Shutdown');
          logger.flush();
          process.exit(0);
        },
        (err: unknown) => {
          logger.error(err instanceof Error ? err : String(err), 'Shutdown');
          logger.flush();
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await app.listen({ port: config.PORT, host: config.HOST });
  const url = await app.getUrl();
  logger.log({ msg: 'listening', url: url.replace('[::1]', 'localhost') }, 'Bootstrap');
  return url;
}
