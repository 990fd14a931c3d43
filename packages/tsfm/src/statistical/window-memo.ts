import type { Measurement } from '../measurement';

/** Values per sample in a {@link WindowMemo} key: time, offset, delay, uncertainty, covariate. */
const FIELDS = 5;

/**
 * The last value computed from a window of measurements, kept until the window changes.
 *
 * The daemon runs its short-term model every `inference_interval` (16 s by default)
 * while a new NTP round arrives every 64–1024 s, so most runs ask about new instants
 * from a history already fitted. A model that refits from its window (residual_ar)
 * keeps that fit here and only evaluates it at the new instants.
 *
 * The window is compared by value, every field the fit reads, so a history that lost
 * or changed a sample (a discarded generation, a corrected reply) is never mistaken
 * for the one fitted: the check costs a pass over the window, far below a refit.
 */
export class WindowMemo<T> {
  private key: Float64Array = new Float64Array(0);
  private value: T | undefined;
  private readonly scratch = new Float64Array(FIELDS);

  constructor(private readonly covariate: string) {}

  /** The value for `window`: the kept one if the window is unchanged, else `compute()`'s. */
  get(window: readonly Measurement[], compute: () => T): T {
    if (this.value !== undefined && this.matches(window)) return this.value;
    const value = compute();
    this.key = this.keyOf(window);
    this.value = value;
    return value;
  }

  private matches(window: readonly Measurement[]): boolean {
    if (this.key.length !== window.length * FIELDS) return false;
    for (let i = 0; i < window.length; i++) {
      this.write(window[i] as Measurement, this.scratch, 0);
      for (let j = 0; j < FIELDS; j++) {
        // A missing field is held as NaN; two NaNs are the same absence.
        const kept = this.key[i * FIELDS + j] as number;
        const now = this.scratch[j] as number;
        if (kept !== now && !(Number.isNaN(kept) && Number.isNaN(now))) return false;
      }
    }
    return true;
  }

  private keyOf(window: readonly Measurement[]): Float64Array {
    const key = new Float64Array(window.length * FIELDS);
    window.forEach((m, i) => this.write(m, key, i * FIELDS));
    return key;
  }

  private write(m: Measurement, into: Float64Array, at: number): void {
    into[at] = m.tS;
    into[at + 1] = m.offsetS;
    into[at + 2] = m.delayS ?? NaN;
    into[at + 3] = m.uncertaintyS ?? NaN;
    into[at + 4] = m.covariates?.[this.covariate] ?? NaN;
  }
}
