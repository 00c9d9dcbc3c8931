/**
 * Per-key rate limiting: a token bucket per key (requests per second, with a burst). A request over
 * the limit gets 429 with Retry-After. The map of buckets is pruned, so it cannot grow without bound.
 */
export interface RateLimitOptions {
  /** Requests per second per key; 0 turns limiting off. */
  perSecond: number;
  /** Requests a key may make at once after being idle (default: 2 s worth). */
  burst?: number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;

  constructor(private readonly options: RateLimitOptions, private readonly now: () => number = () => performance.now()) {
    this.burst = options.burst ?? Math.max(1, options.perSecond * 2);
  }

  /** Takes one token for `key`; returns undefined when allowed, else the seconds to wait. */
  take(key: string): number | undefined {
    if (this.options.perSecond <= 0) return undefined;
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= 10_000) this.prune(now);
      bucket = { tokens: this.burst, updated: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updated) / 1000) * this.options.perSecond);
    bucket.updated = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.options.perSecond));
  }

  private prune(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.updated) / 1000) * this.options.perSecond >= this.burst) this.buckets.delete(key);
    }
  }
}
