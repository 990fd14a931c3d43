import type { BenchOptions } from './options';
import type { ProcessRegistry } from './lib/processes';
import type { ServerHandle } from './lib/servers';

export type Unit = 'us' | 'ms' | 'req/s' | 'MB' | 'x' | 'fraction';

/**
 * What a figure must reach. `on: 'ratio'` judges value / baseline (e.g. p99 within
 * 1.5× the echo floor); `on: 'value'` judges the figure itself (e.g. RSS ≤ 150 MB,
 * a 95% coverage within 0.90–0.98).
 */
export interface Target {
  on: 'value' | 'ratio';
  /** `within`: between `lower` and `limit`, both included. */
  op: '<=' | '>=' | 'within';
  limit: number;
  lower?: number;
}

/** One measured number, with the baseline it was measured against in the same run. */
export interface Figure {
  /** Stable snake_case key for --json, with its unit in the name. */
  key: string;
  label: string;
  value: number;
  unit: Unit;
  baseline?: { label: string; value: number };
  target?: Target;
  /** How it was measured (sample count, window, ...), shown under the table. */
  note?: string;
  /**
   * Why the figure cannot be judged: its baseline was not what it claims to be (a
   * reference estimator that never synchronized). Shown as INVALID, counted as missed.
   */
  invalid?: string;
}

/** Shared, lazily started fixtures, so each section can also run alone (--only). */
export interface BenchContext {
  options: BenchOptions;
  registry: ProcessRegistry;
  /** The long-lived daemon every section measures (started once, on first use). */
  daemon(): Promise<ServerHandle>;
  /** The echo floor, started once beside the daemon. */
  echo(): Promise<ServerHandle>;
  /** Progress to stderr, so stdout stays the table or the JSON object. */
  progress(message: string): void;
}

/**
 * A bench section. Sections run in the order of the list in sections/index.ts;
 * later sections (model inference, accuracy, live NTP against the programmable
 * reference) are added by writing one of these and adding it to that list.
 */
export interface Section {
  /** Short id for --only and the JSON object, e.g. 'socket-latency'. */
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<Figure[]>;
}
