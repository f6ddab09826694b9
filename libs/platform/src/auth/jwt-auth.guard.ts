import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { isPlatformRoute } from '../http/platform-routes.js';
import { ProblemError } from '../http/problem.js';
import { hasRole, type Actor, type Role } from './actor.js';
import { IS_PUBLIC_KEY, ROLES_KEY } from './auth.decorators.js';
import { JwtError } from './jwt.js';
import { JwtVerifier } from './jwt-verifier.js';

/** A request that passed JwtAuthGuard carries its verified caller. */
export interface AuthenticatedRequest extends FastifyRequest {
  actor?: Actor;
}

const BEARER = /^Bearer +(\S+) *$/i;

/** The token of an `Authorization: Bearer <jwt>` header, if the request carries one. */
export function bearerTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
}

function unauthenticated(detail: string, error?: 'invalid_token'): ProblemError {
  // RFC 6750 §3: a challenge always; the error code only once a token was presented.
  const challenge = error ? `Bearer error="${error}"` : 'Bearer';
  return new ProblemError('UNAUTHENTICATED', detail, { 'www-authenticate': challenge });
}

/**
 * SPEC §5: every route needs a valid `Authorization: Bearer <jwt>` granting
 * at least one role, except @Public() routes and the platform's own
 * /health, /metrics and /docs. @Roles(...) narrows a route further. The token
 * itself is never logged nor echoed; answers name only why it was refused.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: JwtVerifier,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    // Only HTTP carries bearer tokens; other transports are not exposed to callers.
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets) === true) return true;
    if (isPlatformRoute(request)) return true;

    const token = bearerTokenOf(request);
    if (token === undefined) throw unauthenticated('A bearer token is required');

    let actor: Actor;
    try {
      actor = this.verifier.verify(token).actor;
    } catch (err) {
      if (!(err instanceof JwtError)) throw err;
      if (err.status === 403) throw new ProblemError('FORBIDDEN', err.message);
      throw unauthenticated(err.message, 'invalid_token');
    }
    request.actor = actor;

    if (actor.roles.length === 0) throw new ProblemError('FORBIDDEN', 'The bearer token grants no role');
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (required && required.length > 0 && !hasRole(actor, ...required)) {
      throw new ProblemError('FORBIDDEN', `This route requires the role ${required.join(' or ')}`);
    }
    return true;
  }
}
