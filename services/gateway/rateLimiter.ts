/**
 * Per-key token bucket (key = phone number): a person cannot click faster than a few times a
 * second, a bot can. Buckets idle for a while are swept so memory follows active users only.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly burst: number;

  constructor(
    private readonly perSecond: number,
    private readonly idleMs = 10_000,
  ) {
    this.burst = Math.max(1, perSecond * 2);
  }

  /** True when the key may make one more request now. perSecond 0 disables the limit. */
  allow(key: string, now: number): boolean {
    if (this.perSecond === 0) return true;
    const bucket = this.buckets.get(key);
    if (!bucket) {
      this.buckets.set(key, { tokens: this.burst - 1, at: now });
      return true;
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  sweep(now: number): void {
    for (const [key, bucket] of this.buckets) if (now - bucket.at > this.idleMs) this.buckets.delete(key);
  }
}
