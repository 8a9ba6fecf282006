/** Per-client budgets: token buckets refilled continuously over a window. */
export interface RateLimits {
  /** Write items (messages, welcomes, key packages, identity updates, commit-log entries) per window per client; 0 disables. */
  writes: number;
  /** Reads allowed per window per client; 0 disables the read limit. */
  reads: number;
  /** Request bytes of writes per window per client; 0 or absent disables. */
  writeBytes?: number;
  /** The window, in ms (XMTP's budgets are per 5 minutes). */
  windowMs: number;
}

/**
 * Of the order of XMTP's own limits (DESIGN §3): 3,000 writes and 20,000 reads per 5 minutes,
 * and 100 MiB written (four requests at the 25 MiB payload cap).
 */
export const DEFAULT_RATE_LIMITS: RateLimits = { writes: 3000, reads: 20000, writeBytes: 100 * 1024 * 1024, windowMs: 5 * 60 * 1000 };

export type RateClass = 'write' | 'read' | 'writeBytes';

/** One class's cost for a call. */
export type RateCharge = readonly [cls: RateClass, cost: number];

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

  /** The budget of a class per window; 0 is unlimited. */
  capacity(cls: RateClass): number {
    return cls === 'write' ? this.limits.writes : cls === 'read' ? this.limits.reads : (this.limits.writeBytes ?? 0);
  }

  /** Takes `cost` tokens from the client's bucket for that class; false when it is short. */
  take(clientKey: string, cls: RateClass, cost = 1): boolean {
    return this.takeAll(clientKey, [[cls, cost]]);
  }

  /** Whether every charge would be granted now, taking nothing. */
  allows(clientKey: string, charges: readonly RateCharge[]): boolean {
    const now = this.now();
    return charges.every(([cls, cost]) => {
      const bucket = this.bucketAt(clientKey, cls, now);
      return bucket === undefined || bucket.tokens >= cost;
    });
  }

  /** Takes every charge, or none of them when any bucket is short (false). */
  takeAll(clientKey: string, charges: readonly RateCharge[]): boolean {
    const now = this.now();
    if (++this.calls % SWEEP_EVERY === 0) this.sweep(now);
    const buckets = charges.map(([cls, cost]) => [this.bucketAt(clientKey, cls, now), cost] as const);
    if (buckets.some(([bucket, cost]) => bucket !== undefined && bucket.tokens < cost)) return false;
    for (const [bucket, cost] of buckets) if (bucket) bucket.tokens -= cost;
    return true;
  }

  /** The client's bucket for a class, refilled up to now; undefined when the class is unlimited. */
  private bucketAt(clientKey: string, cls: RateClass, now: number): Bucket | undefined {
    const capacity = this.capacity(cls);
    if (capacity <= 0) return undefined;
    const key = `${cls}\u0000${clientKey}`;
    const perMs = capacity / this.limits.windowMs;
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    return bucket;
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.at >= this.limits.windowMs) this.buckets.delete(key);
    }
  }
}
