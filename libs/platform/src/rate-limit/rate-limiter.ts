/** What a caller's request gets: through, or refused until its window ends. */
export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Window {
  startsAt: number;
  hits: number;
}

/**
 * Fixed-window request counting, one window per caller key, in memory (so per
 * replica). O(1) per request whatever the limit; a caller may burst up to
 * twice the limit across a window boundary, which is fine for its purpose:
 * keeping one caller from starving the others. Pure apart from the clock.
 */
export class FixedWindowRateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  hit(key: string): RateLimitDecision {
    const now = this.now();
    let window = this.windows.get(key);
    if (window === undefined || now >= window.startsAt + this.windowMs) {
      window = { startsAt: now, hits: 0 };
      this.windows.set(key, window);
    }
    if (window.hits >= this.limit) {
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((window.startsAt + this.windowMs - now) / 1000)),
      };
    }
    window.hits++;
    return { allowed: true };
  }

  /** Forgets callers whose window is over, so memory follows the callers of the last window. */
  sweep(): void {
    const now = this.now();
    for (const [key, window] of this.windows) {
      if (now >= window.startsAt + this.windowMs) this.windows.delete(key);
    }
  }

  get trackedCallers(): number {
    return this.windows.size;
  }
}
