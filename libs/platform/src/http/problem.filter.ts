import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { JsonLogger } from '../logging/json-logger.js';
import { requestContext } from '../logging/request-context.js';
import {
  isProblemCode,
  problemDocument,
  ProblemError,
  type ProblemCode,
  type ProblemDocument,
} from './problem.js';

interface Mapped {
  problem: ProblemDocument;
  headers: Record<string, string>;
  /** Unexpected: log it with its stack (never sent to the client). */
  unexpected?: unknown;
}

const HTTP_STATUS_CODES: Record<number, ProblemCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/** Postgres/pg errors that mean "the database is not reachable right now". */
const UNAVAILABLE_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);

function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_ERRORS.has(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is not open|Cannot use a pool after calling end/i.test(
    err.message,
  );
}

/** Maps anything thrown into an RFC 9457 problem document. Pure, so it is unit-tested. */
export function toProblem(err: unknown): Mapped {
  if (err instanceof ProblemError) {
    return { problem: problemDocument(err.code, err.message, err.extensions), headers: err.headers };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const response = err.getResponse();
    const code = HTTP_STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_FAILED');
    let detail = err.message;
    const extensions: Record<string, unknown> = {};
    if (typeof response === 'object' && response !== null) {
      const body = response as Record<string, unknown>;
      if (Array.isArray(body.message)) {
        detail = body.message.join('; ');
        extensions.errors = body.message;
      } else if (typeof body.message === 'string') {
        detail = body.message;
      }
      // @nestjs/terminus answers a failed readiness check with its details.
      if (body.status === 'error' && typeof body.details === 'object') {
        detail = 'One or more readiness checks failed';
        extensions.checks = body.details;
      }
    }
    return { problem: problemDocument(code, detail, extensions), headers: {} };
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    if (isProblemCode(code)) {
      return { problem: problemDocument(code, err.message), headers: {} };
    }
    const fastify = fastifyProblem(err);
    if (fastify) return { problem: fastify, headers: {} };
    if (isDatabaseUnavailable(err)) {
      return {
        problem: problemDocument('SERVICE_UNAVAILABLE', 'The database is not reachable; retry shortly'),
        headers: { 'retry-after': '1' },
        unexpected: err,
      };
    }
  }
  return {
    problem: problemDocument('INTERNAL_ERROR', 'An unexpected error occurred; it has been logged'),
    headers: {},
    unexpected: err,
  };
}

/** Errors raised by Fastify itself before a route runs (body parsing, limits). */
function fastifyProblem(err: Error): ProblemDocument | undefined {
  const code = (err as { code?: unknown }).code;
  const statusCode = (err as { statusCode?: unknown }).statusCode;
  if (typeof code !== 'string' || !code.startsWith('FST_')) {
    if (err instanceof SyntaxError && statusCode === 400) {
      return problemDocument('VALIDATION_FAILED', 'The request body is not valid JSON');
    }
    return undefined;
  }
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problemDocument('PAYLOAD_TOO_LARGE', 'The request body exceeds the limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problemDocument('UNSUPPORTED_MEDIA_TYPE', 'The request body must be application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problemDocument(
        'VALIDATION_FAILED',
        'The request body is empty but content-type is application/json',
      );
    case 'FST_ERR_BAD_URL':
      return problemDocument('VALIDATION_FAILED', 'The request URL is not validly percent-encoded');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return problemDocument('VALIDATION_FAILED', 'A path parameter of the request URL is too long');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problemDocument('VALIDATION_FAILED', 'The request body is not valid JSON');
    default:
      if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
        return problemDocument(HTTP_STATUS_CODES[statusCode] ?? 'VALIDATION_FAILED', err.message);
      }
      return undefined;
  }
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest | undefined, mapped: Mapped): void {
  const correlationId = requestContext.correlationId();
  const body: ProblemDocument = { ...mapped.problem };
  if (request) body.instance = request.url.split('?')[0];
  if (correlationId) body.correlationId = correlationId;
  void reply.status(body.status).headers(mapped.headers).type('application/problem+json').send(body);
}

/** The one place errors become HTTP answers; unexpected ones are logged once, here. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(private readonly logger: JsonLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const mapped = toProblem(exception);
    if (mapped.unexpected !== undefined) {
      this.logger.error(
        mapped.unexpected instanceof Error ? mapped.unexpected : String(mapped.unexpected),
        'ProblemDetailsFilter',
      );
    }
    sendProblem(reply, request, mapped);
  }
}
