/**
 * Online calibration: each source's σ is what it actually achieved, not what it
 * claimed. Every prediction is scored against the measurement that later arrives for
 * the same instant; the calibrated σ is the RMS of the recent errors.
 */
export interface CalibrationSettings {
  /** Recent errors kept per source. */
  window: number;
  /** Scored predictions needed before the RMS replaces the claimed σ. */
  minScored: number;
}

export const DEFAULT_CALIBRATION: CalibrationSettings = { window: 64, minScored: 8 };

export class Calibrator {
  private readonly errors = new Map<string, number[]>();

  constructor(private readonly settings: CalibrationSettings = DEFAULT_CALIBRATION) {}

  /** Records how far a source's prediction landed from what was then measured. */
  record(source: string, predictedS: number, measuredS: number): void {
    let list = this.errors.get(source);
    if (!list) {
      list = [];
      this.errors.set(source, list);
    }
    list.push(measuredS - predictedS);
    if (list.length > this.settings.window) list.shift();
  }

  scored(source: string): number {
    return this.errors.get(source)?.length ?? 0;
  }

  /** RMS of the recent errors; null until enough predictions were scored. */
  rmsS(source: string): number | null {
    const list = this.errors.get(source);
    if (!list || list.length < this.settings.minScored) return null;
    return Math.sqrt(list.reduce((sum, e) => sum + e * e, 0) / list.length);
  }

  /**
   * How much worse `source` has been than `baseline` on the same recent instants:
   * the mean of e_source² − e_baseline² and its standard error. Measurement noise
   * shared by both predictions cancels in the difference (it only enters as a
   * cross term with zero mean), so this compares the sources against the truth even
   * though only noisy measurements are available. Null until both were scored enough.
   */
  excessMse(source: string, baseline: string): { meanS2: number; seS2: number } | null {
    const a = this.errors.get(source) ?? [];
    const b = this.errors.get(baseline) ?? [];
    const n = Math.min(a.length, b.length);
    if (n < this.settings.minScored) return null;
    const diffs: number[] = [];
    for (let i = 1; i <= n; i++) {
      const ea = a[a.length - i] as number;
      const eb = b[b.length - i] as number;
      diffs.push(ea * ea - eb * eb);
    }
    const mean = diffs.reduce((s, d) => s + d, 0) / n;
    const variance = diffs.reduce((s, d) => s + (d - mean) ** 2, 0) / Math.max(1, n - 1);
    return { meanS2: mean, seS2: Math.sqrt(variance / n) };
  }

  /** The newest `n` errors, newest last. */
  recent(source: string, n: number): number[] {
    return (this.errors.get(source) ?? []).slice(-n);
  }

  /** Plain numbers for the state file and the status. */
  snapshot(): Record<string, number[]> {
    return Object.fromEntries(this.errors);
  }

  restore(saved: Record<string, unknown>): void {
    for (const [source, value] of Object.entries(saved)) {
      if (Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        this.errors.set(source, (value as number[]).slice(-this.settings.window));
      }
    }
  }

  forget(): void {
    this.errors.clear();
  }
}
