/**
 * A small seeded generator (mulberry32), so a simulated series is the same on every
 * machine and every run: tests assert on it and evaluation figures can be reproduced.
 * Not for anything cryptographic.
 */
export class SeededRandom {
  private s: number;
  private spare: number | null = null;

  constructor(seed: number) {
    // Mix the seed so that nearby seeds (1, 2, 3) do not start nearby streams.
    this.s = (Math.imul(seed | 0, 0x9e3779b1) ^ 0x85ebca6b) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box–Muller, the second value kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    const u = 1 - this.next(); // (0, 1], so log() is finite
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Pareto (type I) with scale `minimum` and shape `alpha`: a heavy tail when alpha is small. */
  pareto(minimum: number, alpha: number): number {
    return minimum / Math.pow(1 - this.next(), 1 / alpha);
  }
}
