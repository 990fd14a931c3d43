/**
 * A token bucket per connection: `ratePerSecond` tokens a second, bursts up to one
 * second's worth. Takes the monotonic time as an argument so tests drive it.
 */
export class RateLimiter {
  private tokens: number;
  private lastS: number;

  constructor(
    private readonly ratePerSecond: number,
    nowS: number,
  ) {
    this.tokens = ratePerSecond;
    this.lastS = nowS;
  }

  /** Takes one token; false when the connection is over its rate. */
  tryTake(nowS: number): boolean {
    const elapsedS = Math.max(0, nowS - this.lastS);
    this.lastS = nowS;
    this.tokens = Math.min(this.ratePerSecond, this.tokens + elapsedS * this.ratePerSecond);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
