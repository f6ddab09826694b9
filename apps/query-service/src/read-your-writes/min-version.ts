import { applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHeader, ApiServiceUnavailableResponse } from '@nestjs/swagger';
import { ProblemError } from '@cqrs-bank/platform';
import type { FastifyRequest } from 'fastify';
import { QueryVersion } from '../common/query-params.js';

export const MIN_VERSION_HEADER = 'x-min-version';

const VERSION = /^[1-9]\d{0,15}$/;

/** A version as sent: undefined when absent, null when it is not a positive integer. */
function versionOf(raw: unknown): number | null | undefined {
  if (raw === undefined) return undefined;
  const n = typeof raw === 'string' && VERSION.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

/** Both given: the higher one, which satisfies both. */
function higher(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

function parseVersion(raw: unknown, name: string): number | undefined {
  const n = versionOf(raw);
  if (n === null) {
    throw new ProblemError(
      'VALIDATION_FAILED',
      `${name} must be a positive integer`,
      {},
      {
        errors: [`${name} must be a positive integer`],
      },
    );
  }
  return n;
}

/**
 * The account version a read-your-writes request waits for: `?minVersion=N`
 * or the header `X-Min-Version: N` (both given: the higher one, which
 * satisfies both); undefined when neither is. The query parameter is also
 * declared on the route's DTO (MinVersionQuery) for validation and OpenAPI.
 */
export const MinVersion = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const query = (request.query ?? {}) as Record<string, unknown>;
  const fromQuery = parseVersion(query.minVersion, 'minVersion');
  const fromHeader = parseVersion(request.headers[MIN_VERSION_HEADER], 'X-Min-Version');
  return higher(fromQuery, fromHeader);
});

/**
 * What MinVersion reads from a request, without refusing it: the version
 * (undefined when neither is given), or null when either is malformed — for
 * a fast path, which leaves such a request to the route and its 400.
 */
export function minVersionOf(request: FastifyRequest): number | null | undefined {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const fromQuery = versionOf(query.minVersion);
  const fromHeader = versionOf(request.headers[MIN_VERSION_HEADER]);
  if (fromQuery === null || fromHeader === null) return null;
  return higher(fromQuery, fromHeader);
}

/** `?minVersion=` on an account route's query DTO. */
export function MinVersionQuery(): PropertyDecorator {
  return QueryVersion(
    'Read-your-writes: wait until the account read model reaches this version (the `version` a command answered)',
  );
}

/** OpenAPI for a read-your-writes route: the header and the 503 it may answer. */
export function ApiReadYourWrites(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'X-Min-Version',
      required: false,
      description: 'Same as ?minVersion= (when both are given, the higher one counts)',
    }),
    ApiServiceUnavailableResponse({
      description:
        'PROJECTION_LAGGING (with Retry-After): the read model did not reach minVersion within the bounded wait',
    }),
  );
}

export function projectionLagging(accountId: string, minVersion: number, waitedMs: number): ProblemError {
  return new ProblemError(
    'PROJECTION_LAGGING',
    `The read model of account ${accountId} did not reach version ${minVersion} within ${waitedMs} ms; retry shortly`,
    { 'retry-after': '1' },
    { minVersion },
  );
}
