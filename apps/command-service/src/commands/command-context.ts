import { createHash, randomUUID } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ProblemError, requestContext, type Actor } from '@cqrs-bank/platform';
import type { EventMetadata, IdempotencyRecord } from '@cqrs-bank/event-store';
import type { FastifyRequest } from 'fastify';

/** Everything a command needs to know about the request that carries it. */
export interface CommandContext {
  actor: Actor;
  correlationId: string;
  /** Identifies this command; the causation id of the events it produces. */
  commandId: string;
  idempotencyKey?: string;
  /** Fingerprint of the request (method, route, body) an idempotency key is bound to. */
  requestHash: string;
}

/** What a command answers over HTTP; the same shape is stored for idempotent replays. */
export interface CommandResult {
  status: number;
  body: unknown;
  replayed: boolean;
}

const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,200}$/;

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as Record<string, unknown>)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function requestHash(method: string, route: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${route}\n${canonicalJson(body ?? null)}`)
    .digest('base64url');
}

export function parseIdempotencyKey(header: unknown): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !IDEMPOTENCY_KEY.test(header)) {
    throw new ProblemError(
      'VALIDATION_FAILED',
      'Idempotency-Key must be 1 to 200 printable ASCII characters',
    );
  }
  return header;
}

/** `@Command() ctx: CommandContext` — the verified actor, correlation id and idempotency key. */
export const Command = createParamDecorator((_data: unknown, context: ExecutionContext): CommandContext => {
  const request = context.switchToHttp().getRequest<FastifyRequest & { actor?: Actor }>();
  if (!request.actor) {
    throw new ProblemError('UNAUTHENTICATED', 'A bearer token is required', { 'www-authenticate': 'Bearer' });
  }
  return {
    actor: request.actor,
    correlationId: requestContext.correlationId() ?? randomUUID(),
    commandId: randomUUID(),
    idempotencyKey: parseIdempotencyKey(request.headers['idempotency-key']),
    requestHash: requestHash(request.method, request.url.split('?')[0], request.body),
  };
});

/** The metadata every event of this command carries (SPEC §6). */
export function eventMetadata(context: CommandContext): EventMetadata {
  return {
    correlationId: context.correlationId,
    causationId: context.commandId,
    actor: context.actor.sub,
    ...(context.idempotencyKey ? { idempotencyKey: context.idempotencyKey } : {}),
  };
}

/** The first answer to an idempotent request, replayed; a different request with the same key is refused. */
export function replayFirstAnswer(first: IdempotencyRecord, context: CommandContext): CommandResult {
  if (first.requestHash !== context.requestHash) {
    throw new ProblemError(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used for a different request',
    );
  }
  return { status: first.statusCode, body: first.response, replayed: true };
}
