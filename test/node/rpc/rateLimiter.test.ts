import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../src/node/rpc/rateLimiter';

describe('RateLimiter', () => {
  it('allows a client its budget per window, then refuses until tokens refill', () => {
    let now = 0;
    const limiter = new RateLimiter({ writes: 3, reads: 5, windowMs: 3000 }, () => now);
    expect([1, 2, 3].map(() => limiter.take('a', 'write'))).toEqual([true, true, true]);
    expect(limiter.take('a', 'write')).toBe(false);
    now += 999;
    expect(limiter.take('a', 'write')).toBe(false);
    now += 1;
    expect(limiter.take('a', 'write')).toBe(true);
  });

  it('keeps separate budgets per client and per class', () => {
    const limiter = new RateLimiter({ writes: 1, reads: 1, windowMs: 1000 }, () => 0);
    expect(limiter.take('a', 'write')).toBe(true);
    expect(limiter.take('a', 'write')).toBe(false);
    expect(limiter.take('a', 'read')).toBe(true);
    expect(limiter.take('b', 'write')).toBe(true);
  });

  it('charges items and bytes together: all of them or none', () => {
    let now = 0;
    const limiter = new RateLimiter({ writes: 10, reads: 0, writeBytes: 1000, windowMs: 1000 }, () => now);
    expect(limiter.takeAll('a', [['write', 6], ['writeBytes', 400]])).toBe(true);
    // 4 items left but only 600 bytes: refused, and the 4 items are not spent.
    expect(limiter.takeAll('a', [['write', 4], ['writeBytes', 700]])).toBe(false);
    expect(limiter.takeAll('a', [['write', 4], ['writeBytes', 600]])).toBe(true);
    expect(limiter.allows('a', [['write', 1]])).toBe(false);
    now += 100; // a tenth of the window refills a tenth of each budget
    expect(limiter.allows('a', [['write', 1], ['writeBytes', 100]])).toBe(true);
    expect(limiter.takeAll('a', [['write', 2]])).toBe(false);
  });

  it('treats a zero limit as unlimited', () => {
    const limiter = new RateLimiter({ writes: 0, reads: 0, windowMs: 1000 }, () => 0);
    for (let i = 0; i < 100; i++) expect(limiter.take('a', 'write')).toBe(true);
  });
});
