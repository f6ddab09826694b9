import { describe, expect, it } from '@jest/globals';
import { FixedWindowRateLimiter } from './rate-limiter.js';

describe('FixedWindowRateLimiter', () => {
  const clock = (start = 1_000_000) => {
    let now = start;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('lets a caller make `limit` requests per window, then refuses until the window ends', () => {
    const time = clock();
    const limiter = new FixedWindowRateLimiter(3, 60_000, time.now);
    expect([1, 2, 3].map(() => limiter.hit('a').allowed)).toEqual([true, true, true]);
    time.advance(10_500);
    expect(limiter.hit('a')).toEqual({ allowed: false, retryAfterSeconds: 50 });
    time.advance(49_499);
    expect(limiter.hit('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    time.advance(1);
    expect(limiter.hit('a')).toEqual({ allowed: true });
  });

  it('counts every caller on its own', () => {
    const limiter = new FixedWindowRateLimiter(1, 60_000, clock().now);
    expect(limiter.hit('a').allowed).toBe(true);
    expect(limiter.hit('a').allowed).toBe(false);
    expect(limiter.hit('b').allowed).toBe(true);
  });

  it('does not count refused requests against the next window', () => {
    const time = clock();
    const limiter = new FixedWindowRateLimiter(2, 1_000, time.now);
    for (let i = 0; i < 10; i++) limiter.hit('a');
    time.advance(1_000);
    expect([1, 2, 3].map(() => limiter.hit('a').allowed)).toEqual([true, true, false]);
  });

  it('forgets callers whose window is over when swept', () => {
    const time = clock();
    const limiter = new FixedWindowRateLimiter(5, 1_000, time.now);
    limiter.hit('a');
    time.advance(500);
    limiter.hit('b');
    time.advance(500);
    limiter.sweep();
    expect(limiter.trackedCallers).toBe(1);
    time.advance(500);
    limiter.sweep();
    expect(limiter.trackedCallers).toBe(0);
  });
});
