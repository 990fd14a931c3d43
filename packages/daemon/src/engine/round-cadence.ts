/** Samples closer together than this belong to one round (several servers polled at once). */
const SAME_ROUND_S = 1;
/** Gaps remembered: the typical one is their median. */
const GAPS_KEPT = 8;

/**
 * How often measurements arrive, as measured, not as configured: with adaptive polling
 * the interval moves between its bounds (2 s in a burst, 64 to 1024 s after), and what
 * counts as "no measurement for too long" has to move with it.
 */
export class RoundCadence {
  private lastRoundS: number | null = null;
  private readonly gapsS: number[] = [];

  constructor(
    /** The gap assumed before two rounds have been seen. */
    private readonly initialGapS: number,
    /** The gap never assumed longer than this (the configured longest interval). */
    private readonly maxGapS: number,
  ) {}

  /** A sample arrived at host time `tS`. */
  note(tS: number): void {
    if (this.lastRoundS !== null && tS - this.lastRoundS < SAME_ROUND_S) return;
    if (this.lastRoundS !== null) {
      this.gapsS.push(tS - this.lastRoundS);
      if (this.gapsS.length > GAPS_KEPT) this.gapsS.shift();
    }
    this.lastRoundS = tS;
  }

  /** The typical gap between rounds now, seconds. */
  typicalGapS(): number {
    if (this.gapsS.length === 0) return this.initialGapS;
    const sorted = [...this.gapsS].sort((a, b) => a - b);
    return Math.min(this.maxGapS, sorted[sorted.length >> 1] as number);
  }

  /**
   * The longest recent gap, seconds. Staleness and selection's sample age are judged on
   * it, not on the typical gap: just after a burst of quick polls, the typical gap is
   * still the burst's, and a server's sample one ordinary interval old would already
   * count as too old (a lone falseticker then got through selection).
   */
  longestGapS(): number {
    if (this.gapsS.length === 0) return this.initialGapS;
    return Math.min(this.maxGapS, Math.max(...this.gapsS, this.typicalGapS()));
  }

  /** Forgets the history (after a step, a fresh warm-up starts its own cadence). */
  reset(): void {
    this.lastRoundS = null;
    this.gapsS.length = 0;
  }
}
