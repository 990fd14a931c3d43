import type { RoundSample } from './clock-discipline';

const DAY_S = 86_400;
/** Smearing servers spread a leap over up to 24 h centred on it: they rejoin UTC 12 h after. */
const SMEAR_HALF_S = 12 * 3600;

/** What the status says about leap seconds. */
export interface LeapStatus {
  /** UTC instant (Unix seconds) of the announced leap; null when none is pending or just past. */
  leap_at: number | null;
  /** `all` outside a leap window; `announcing` within it: only servers that announce the leap. */
  following: 'all' | 'announcing';
  /** Servers set aside for the window: they smear the leap or do not announce it. */
  set_aside: string[];
}

/**
 * Keeps servers that smear a leap second apart from servers that step it. Around a leap
 * the two disagree by up to half a second, so combining them would serve neither
 * timescale. Once a server announces a leap (LI 1 or 2), the daemon follows the servers
 * that announce it — UTC as it is defined — and sets the others aside until the smear
 * is over (12 h after the leap). At the leap, UTC repeats (or skips) a second: the
 * pipeline moves its history into the new count, and the served time slews, never
 * stepping back. Pure: given instants, never reads a clock.
 */
export class LeapWatch {
  /** Servers that announced the pending leap. */
  private readonly announcing = new Set<string>();
  private leap: { atUtcS: number; sign: 1 | -1; applied: boolean } | null = null;
  private setAside = new Set<string>();

  /**
   * Notes what a round's samples announce, `utcNowS` being the daemon's estimate of UTC
   * now; then `setsAside` says which servers selection may not combine.
   */
  observe(samples: readonly RoundSample[], utcNowS: number): void {
    for (const s of samples) {
      if (s.leap !== 1 && s.leap !== 2) continue;
      this.announcing.add(s.server);
      if (this.leap === null || this.leap.applied) {
        // A leap is announced for the end of the current UTC day.
        const atUtcS = Math.ceil(utcNowS / DAY_S) * DAY_S;
        if (this.leap === null || atUtcS > this.leap.atUtcS) this.leap = { atUtcS, sign: s.leap === 1 ? 1 : -1, applied: false };
      }
    }
    if (this.leap !== null && utcNowS > this.leap.atUtcS + SMEAR_HALF_S) this.endWindow();
    if (this.leap === null) return;
    for (const s of samples) if (!this.announcing.has(s.server)) this.setAside.add(s.server);
  }

  /**
   * Whether `server` is kept out of combination now: within a leap window, any server
   * that does not announce the leap. Its samples are still tracked by selection, so
   * that when the window ends it can outvote one left a second off.
   */
  setsAside(server: string): boolean {
    return this.leap !== null && !this.announcing.has(server);
  }

  /**
   * The leap, once UTC has passed it and it was not applied yet: +1 when a second was
   * inserted (UTC repeated one: every offset measured before it is one second too
   * large in the new count), −1 when one was deleted. The caller applies it once.
   */
  due(utcNowS: number): { atUtcS: number; sign: 1 | -1 } | null {
    const leap = this.leap;
    if (leap === null || leap.applied || utcNowS < leap.atUtcS) return null;
    leap.applied = true;
    return { atUtcS: leap.atUtcS, sign: leap.sign };
  }

  /** The announced leap not yet applied, if any. */
  pending(): { atUtcS: number; sign: 1 | -1 } | null {
    const leap = this.leap;
    return leap === null || leap.applied ? null : { atUtcS: leap.atUtcS, sign: leap.sign };
  }

  status(): LeapStatus {
    return {
      leap_at: this.leap?.atUtcS ?? null,
      following: this.leap === null ? 'all' : 'announcing',
      set_aside: [...this.setAside].sort(),
    };
  }

  /** The smear is over: every server takes part again. */
  private endWindow(): void {
    this.leap = null;
    this.announcing.clear();
    this.setAside.clear();
  }
}
