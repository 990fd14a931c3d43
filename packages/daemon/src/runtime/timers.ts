import type { TimerApi } from '@chronotick/ntp';

/**
 * The timers the runtime schedules on, injected: the daemon's are Node's, the
 * simulator's run in virtual time. `track` registers async work started by a timer
 * (a model run) so a virtual clock can wait for it before moving on.
 */
export interface RuntimeTimers extends TimerApi {
  track?<T>(work: Promise<T>): Promise<T>;
}

/** Node's timers, unreferenced: the socket server, not a pending tick, keeps the daemon alive. */
export const nodeTimers: RuntimeTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Calls `fn` every `everyMs` on `timers` until the returned function is called. Built
 * from one-shot timers so that every runtime, real or virtual, needs only those.
 */
export function every(timers: TimerApi, everyMs: number, fn: () => void): () => void {
  let handle: unknown = null;
  let stopped = false;
  const arm = (): void => {
    handle = timers.setTimeout(() => {
      if (stopped) return;
      arm();
      fn();
    }, everyMs);
  };
  arm();
  return () => {
    stopped = true;
    if (handle !== null) timers.clearTimeout(handle);
  };
}
