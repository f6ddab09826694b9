import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ProblemError } from '../http/problem.js';
import { CallerRateLimit } from './caller-rate-limit.js';

/**
 * Applies CallerRateLimit to every Nest route. It runs before JwtAuthGuard
 * (see RateLimitModule), so callers with bad or missing tokens are limited as
 * well. Over the limit: 429 RATE_LIMITED with Retry-After, before the route
 * runs (nothing is written).
 */
@Injectable()
export class CallerRateLimitGuard implements CanActivate {
  constructor(private readonly rateLimit: CallerRateLimit) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const decision = this.rateLimit.admit(context.switchToHttp().getRequest<FastifyRequest>());
    if (decision.allowed) return true;
    throw new ProblemError(
      'RATE_LIMITED',
      `Too many requests from this caller (at most ${this.rateLimit.limit} a minute); retry in ${decision.retryAfterSeconds} s`,
      { 'retry-after': String(decision.retryAfterSeconds) },
    );
  }
}
