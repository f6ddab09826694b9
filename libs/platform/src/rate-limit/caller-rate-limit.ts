import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../auth/actor.js';
import { bearerTokenOf } from '../auth/jwt-auth.guard.js';
import { JwtVerifier } from '../auth/jwt-verifier.js';
import { BaseConfig } from '../config/base.config.js';
import { isPlatformRoute } from '../http/platform-routes.js';
import { FixedWindowRateLimiter, type RateLimitDecision } from './rate-limiter.js';

/** The window RATE_LIMIT_PER_MINUTE counts requests in. */
const WINDOW_MS = 60_000;

const ALLOWED: RateLimitDecision = { allowed: true };

/**
 * SPEC §5 "rate limits per caller": one budget per caller across every route
 * of the app, RATE_LIMIT_PER_MINUTE per replica (0: no limit). The caller is
 * the verified token's `sub` when the request carries a valid one, else the
 * client's address, so a flood of bad or missing tokens is limited too. The
 * platform's /health, /metrics and /docs are never limited.
 *
 * CallerRateLimitGuard asks it for every Nest route; a route fast path
 * (RouteFastPath) asks it only once it is about to answer, so each request
 * is counted once, by whichever of the two answers it.
 */
@Injectable()
export class CallerRateLimit implements OnApplicationShutdown {
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

  /** Requests a caller may make a minute (undefined: no limit). */
  get limit(): number | undefined {
    return this.limiter?.limit;
  }

  /**
   * Counts the request against its caller's budget, unless the budget is
   * spent. `actor`: the caller its bearer token proved, when the asker has
   * verified it already.
   */
  admit(request: FastifyRequest, actor?: Actor): RateLimitDecision {
    if (this.limiter === undefined || isPlatformRoute(request)) return ALLOWED;
    return this.limiter.hit(actor === undefined ? this.callerOf(request) : `sub:${actor.sub}`);
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
