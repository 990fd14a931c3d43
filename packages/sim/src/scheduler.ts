/**
 * Virtual time for the simulated world. Timers fire in time order when a harness
 * calls `runUntil`, and everything an event starts — promise chains, tracked async
 * work such as an ONNX run — finishes before virtual time moves on, so the daemon's
 * real code runs over a simulated day in seconds and sees the same world every run.
 */
import type { TimerApi } from '@chronotick/ntp';
import { SimError } from './errors';
import { MinHeap } from './heap';

/** Default true time at the start: 2023-11-14, as the tsfm simulator's series start. */
export const DEFAULT_SIM_START_S = 1.7e9;

/** A pending timer. Opaque to callers; `ref`/`unref` exist so code written for Node's timers runs unchanged. */
export class SimTimer {
  cancelled = false;

  /** @internal */
  constructor(
    /** Seconds after the start, true time. */
    public atS: number,
    readonly seq: number,
    readonly fn: () => void,
    /** Re-arm period for intervals, seconds; null for a one-shot timer. */
    readonly everyS: number | null,
    /** False for the scheduler's own events (a suspend), which are not callers' timers. */
    readonly counted = true,
  ) {}

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  hasRef(): boolean {
    return true;
  }
}

/** A suspend of the host as the scheduler saw it: nothing ran from `atS` for `durationS` (true seconds). */
export interface SimSuspendRecord {
  /** True Unix seconds. */
  atS: number;
  durationS: number;
}

export interface VirtualSchedulerOptions {
  /** True Unix seconds at the start. Default 1.7e9. */
  startS?: number;
}

/**
 * The world's clock and timer queue, in *true* (reference) seconds.
 *
 * In the daemon, timers run on the host's monotonic clock, which runs at the
 * oscillator's rate, up to a few hundred ppm off true time. Here timer delays are
 * taken as true-time milliseconds: a 500 ppm error moves a 64 s poll by 32 ms, which
 * changes nothing the daemon decides. Suspends are the exception (the host's timers
 * stop for minutes) and are modelled as such: see `suspend`.
 */
export class VirtualScheduler {
  /** True Unix seconds at elapsed 0. */
  readonly startS: number;
  /** Time is kept as seconds since the start, so sub-µs steps are not rounded away by a 10-digit epoch. */
  private elapsed = 0;
  private seq = 0;
  private live = 0;
  private running = false;
  private readonly queue = new MinHeap<SimTimer>((a, b) => a.atS < b.atS || (a.atS === b.atS && a.seq < b.seq));
  private readonly tracked = new Set<Promise<unknown>>();
  private readonly suspendLog: SimSuspendRecord[] = [];

  /** The timers view for code that takes a TimerApi (the NTP sampler, one exchange). */
  readonly timers: TimerApi = {
    setTimeout: (fn, ms) => this.setTimeout(fn, ms),
    clearTimeout: (handle) => this.clearTimeout(handle),
  };

  constructor(options: VirtualSchedulerOptions = {}) {
    const startS = options.startS ?? DEFAULT_SIM_START_S;
    if (!Number.isFinite(startS)) throw new SimError('SIM_BAD_CONFIG', `startS must be a finite Unix time, got ${startS}`);
    this.startS = startS;
  }

  /** True Unix seconds now. */
  get nowS(): number {
    return this.startS + this.elapsed;
  }

  /** True seconds since the start. */
  get elapsedS(): number {
    return this.elapsed;
  }

  /** Timers waiting to fire (intervals count once). */
  get pendingTimers(): number {
    return this.live;
  }

  /** Suspends that have happened so far, in order. */
  get suspends(): readonly SimSuspendRecord[] {
    return this.suspendLog;
  }

  setTimeout(fn: () => void, ms: number): SimTimer {
    return this.add(this.elapsed + delayS(ms), fn, null);
  }

  clearTimeout(handle: unknown): void {
    if (!(handle instanceof SimTimer) || handle.cancelled || !handle.counted) return;
    handle.cancelled = true;
    this.live -= 1;
  }

  setInterval(fn: () => void, ms: number): SimTimer {
    // Node clamps intervals to 1 ms too; a 0 ms interval would keep runUntil at one instant for ever.
    const everyS = Math.max(delayS(ms), 0.001);
    return this.add(this.elapsed + everyS, fn, everyS);
  }

  clearInterval(handle: unknown): void {
    this.clearTimeout(handle);
  }

  /**
   * Registers async work started by an event (a model run that takes real
   * milliseconds, a file write): virtual time does not advance until it settles.
   * Returns the same promise; its rejection stays the caller's to handle. A tracked
   * promise that never settles holds virtual time for ever: track work, not waits.
   */
  track<T>(promise: Promise<T>): Promise<T> {
    this.tracked.add(promise);
    const forget = (): void => {
      this.tracked.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  /**
   * The host sleeps at `atS` (true Unix seconds) for `durationS`: no timer fires
   * meanwhile, and every pending timer fires `durationS` later than it would have,
   * because the host's monotonic clock — which its timers run on — stood still.
   */
  suspend(atS: number, durationS: number): void {
    if (!Number.isFinite(atS) || !(durationS >= 0)) {
      throw new SimError('SIM_BAD_CONFIG', `suspend needs a finite atS and durationS ≥ 0, got ${atS}, ${durationS}`);
    }
    const sleep = new SimTimer(
      Math.max(atS - this.startS, this.elapsed),
      this.seq++,
      () => {
        // Later suspends stay put: the host sleeps at true instants, whatever its
        // timers did. Only timers move, so the heap is reordered.
        this.queue.update((t) => {
          if (t.counted) t.atS += durationS;
        });
        this.suspendLog.push({ atS: this.nowS, durationS });
      },
      null,
      false,
    );
    this.queue.push(sleep);
  }

  /**
   * Runs events in time order (ties in the order they were set) up to `trueS`, true
   * Unix seconds; the clock ends there. A callback that throws rejects runUntil with
   * its error, the clock at that event — in Node it would have been an uncaught exception.
   */
  async runUntil(trueS: number): Promise<void> {
    if (this.running) throw new SimError('SIM_BUSY', 'runUntil is already running; await it before calling again');
    if (!Number.isFinite(trueS)) throw new SimError('SIM_BAD_CONFIG', `runUntil needs a finite time, got ${trueS}`);
    const targetS = trueS - this.startS;
    if (targetS < this.elapsed) {
      throw new SimError('SIM_TIME_BACKWARDS', `runUntil(${trueS}) is before now (${this.nowS}): virtual time never goes backwards`);
    }
    this.running = true;
    try {
      await this.settle();
      for (let next = this.nextDue(targetS); next !== undefined; next = this.nextDue(targetS)) {
        this.queue.pop();
        this.elapsed = Math.max(this.elapsed, next.atS);
        if (next.everyS === null) {
          // Fired: a later clearTimeout of this handle must not count it again.
          next.cancelled = true;
          if (next.counted) this.live -= 1;
        } else {
          // Re-arm before calling, so clearInterval inside the callback wins.
          next.atS += next.everyS;
          this.queue.push(next);
        }
        next.fn();
        await this.settle();
      }
      this.elapsed = Math.max(this.elapsed, targetS);
    } finally {
      this.running = false;
    }
  }

  /** As runUntil, `durationS` true seconds from now. */
  runFor(durationS: number): Promise<void> {
    return this.runUntil(this.nowS + durationS);
  }

  private nextDue(targetS: number): SimTimer | undefined {
    for (let top = this.queue.peek(); top !== undefined; top = this.queue.peek()) {
      if (!top.cancelled) return top.atS <= targetS ? top : undefined;
      this.queue.pop();
    }
    return undefined;
  }

  private add(atS: number, fn: () => void, everyS: number | null): SimTimer {
    const t = new SimTimer(atS, this.seq++, fn, everyS);
    this.live += 1;
    this.queue.push(t);
    return t;
  }

  /**
   * Lets everything the last event started finish: one turn of the event loop drains
   * the microtask queue (the sampler's `await query(...)` and its `.then`s), then the
   * tracked promises are awaited, and again while settling them started more.
   */
  private async settle(): Promise<void> {
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.tracked.size === 0) return;
      await Promise.allSettled([...this.tracked]);
    }
  }
}

/** Timer delay in seconds; like Node, a negative or non-numeric delay means now. */
function delayS(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0;
}
