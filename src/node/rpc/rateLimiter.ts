/** Per-client request budgets: token buckets refilled continuously over a window. */
export interface RateLimits {
  /** Writes allowed per window per client; 0 disables the write limit. */
  writes: number;
  /** Reads allowed per window per client; 0 disables the read limit. */
  reads: number;
  /** The window, in ms (XMTP's budgets are per 5 minutes). */
  windowMs: number;
}

/** Of the order of XMTP's own limits (DESIGN §3): 3,000 writes and 20,000 reads per 5 minutes. */
export const DEFAULT_RATE_LIMITS: RateLimits = { writes: 3000, reads: 20000, windowMs: 5 * 60 * 1000 };

export type RateClass = 'write' | 'read';

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets idle this long are full again and can be forgotten. */
const SWEEP_EVERY = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private calls = 0;

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes `cost` tokens from the client's bucket for that class; false when it is empty. */
  take(clientKey: string, cls: RateClass, cost = 1): boolean {
    const capacity = cls === 'write' ? this.limits.writes : this.limits.reads;
    if (capacity <= 0) return true;
    const now = this.now();
    if (++this.calls % SWEEP_EVERY === 0) this.sweep(now);
    const key = `${cls}\u0000${clientKey}`;
    const perMs = capacity / this.limits.windowMs;
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < cost) return false;
    bucket.tokens -= cost;
    return true;
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.at >= this.limits.windowMs) this.buckets.delete(key);
    }
  }
}
