import {
  Injectable,
  type CanActivate,
  type ExecutionContext,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { bearerTokenOf } from '../auth/jwt-auth.guard.js';
import { JwtVerifier } from '../auth/jwt-verifier.js';
import { BaseConfig } from '../config/base.config.js';
import { isPlatformRoute } from '../http/platform-routes.js';
import { ProblemError } from '../http/problem.js';
import { FixedWindowRateLimiter } from './rate-limiter.js';

/** The window RATE_LIMIT_PER_MINUTE counts requests in. */
const WINDOW_MS = 60_000;

/**
 * SPEC §5 "rate limits per caller": one budget per caller across every route
 * of the app. The caller is the verified token's `sub` when the request
 * carries a valid one, else the client's address, so a flood of bad or
 * missing tokens is limited too (this guard runs before JwtAuthGuard). The
 * platform's /health, /metrics and /docs are never limited. Over the limit:
 * 429 RATE_LIMITED with Retry-After, before the route runs (nothing is written).
 */
@Injectable()
export class CallerRateLimitGuard implements CanActivate, OnApplicationShutdown {
  private readonly limiter: FixedWindowRateLimiter | undefined;
  private readonly sweeper: NodeJS.Timeout | undefined;

  constructor(
    config: BaseConfig,
    private readonly verifier: JwtVerifier,
  ) {
    if (config.RATE_LIMIT_PER_MINUTE === 0) return;
    const limiter = new FixedWindowRateLimiter(config.RATE_LIMIT_PER_MINUTE, WINDOW_MS);
    this.limiter = limiter;
    this.sweeper = setInterval(() => limiter.sweep(), WINDOW_MS).unref();
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.limiter === undefined || context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (isPlatformRoute(request)) return true;
    const decision = this.limiter.hit(this.callerOf(request));
    if (decision.allowed) return true;
    throw new ProblemError(
      'RATE_LIMITED',
      `Too many requests from this caller (at most ${this.limiter.limit} a minute); retry in ${decision.retryAfterSeconds} s`,
      { 'retry-after': String(decision.retryAfterSeconds) },
    );
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  private callerOf(request: FastifyRequest): string {
    const token = bearerTokenOf(request);
    if (token !== undefined) {
      try {
        return `sub:${this.verifier.verify(token).actor.sub}`;
      } catch {
        // A token that proves no one: the caller is its address (JwtAuthGuard answers it).
      }
    }
    return `ip:${request.ip}`;
  }
}
