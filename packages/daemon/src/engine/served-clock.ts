import { slewLeftS } from './answer';
import { extrapolate, type Correction } from './correction';

/**
 * How a new correction that moves the served time back takes effect: `slew` pays the
 * difference out at a bounded rate, as chrony slews; `hold` serves the new estimate at
 * once but holds the served time at the last value given until the estimate passes it
 * (a leap second: UTC repeats a second, and the served time stands still for it);
 * `step` lets the served time jump back (a disrupted clock).
 */
export type InstallMode = 'slew' | 'hold' | 'step';

/**
 * The guarantee that served time never goes backwards, unless the clock is disrupted.
 * Pure: every call is given the instant.
 */
export class ServedClock {
  private slew = { startS: 0, amountS: 0 };
  /** The last corrected time served; answers may not fall below it. */
  private lastServedS = -Infinity;

  /** `next` replaces `previous` at host time `nowS`. */
  install(previous: Correction, next: Correction, nowS: number, mode: InstallMode): void {
    if (mode !== 'slew') {
      this.slew = { startS: 0, amountS: 0 };
      // A disrupted clock restarts the non-decreasing guarantee from the new estimate.
      if (mode === 'step') this.lastServedS = -Infinity;
      return;
    }
    // What was served until now (old estimate plus any slew still running) against the
    // new estimate: a drop would move served time backwards, so it is slewed out instead.
    const servedOffsetS = extrapolate(previous, nowS).offsetS + this.pendingSlewS(nowS);
    const dropS = servedOffsetS - extrapolate(next, nowS).offsetS;
    this.slew = dropS > 0 ? { startS: nowS, amountS: dropS } : { startS: 0, amountS: 0 };
  }

  /** The part of a backward correction not yet slewed out at `atS`, seconds (≥ 0). */
  pendingSlewS(atS: number): number {
    if (this.slew.amountS === 0) return 0;
    return slewLeftS(this.slew.amountS, atS - this.slew.startS);
  }

  /** The smallest corrected time that may be served now. */
  get notBeforeS(): number {
    return this.lastServedS;
  }

  /** Records what an answer served. */
  served(correctedTimeS: number): void {
    this.lastServedS = correctedTimeS;
  }
}
