import type { MethodName, ParamsOf, ResultOf } from '@chronotick/protocol';
import { ClientError, ClientErrorCode } from './errors';
import { commitWaitS, intervalOf, isAfter, isBefore, isSynced, type TrueTimeInterval } from './ordering';

/** What the functions below need of a client: one typed request. */
export interface TimeRequester {
  request<M extends MethodName>(method: M, params?: ParamsOf<M>, options?: { timeoutMs?: number }): Promise<ResultOf<M>>;
}

/** The hard interval of the true time now. */
export async function now(client: TimeRequester): Promise<TrueTimeInterval> {
  return intervalOf(await client.request('get_time'));
}

/** True only when `tS` (Unix seconds) is certainly past. */
export async function after(client: TimeRequester, tS: number): Promise<boolean> {
  return isAfter(await now(client), tS);
}

/** True only when `tS` has certainly not come yet. */
export async function before(client: TimeRequester, tS: number): Promise<boolean> {
  return isBefore(await now(client), tS);
}

/** The interval of a past host-clock reading (e.g. `Date.now() / 1000` taken at an event). */
export async function intervalAt(client: TimeRequester, systemTimeS: number): Promise<TrueTimeInterval> {
  return intervalOf(await client.request('get_time_at', { system_time: systemTimeS }));
}

export interface CommitWaitOptions {
  /** Give up after this long (default 60 s): a clock with no claim cannot promise anything. */
  timeoutMs?: number;
}

/** Polls at most this often while there is no claim yet (warm-up), milliseconds. */
const NO_CLAIM_POLL_MS = 500;
/** Above this the wait is cut into steps: a longer sleep would miss a widening bound. */
const MAX_STEP_MS = 1000;

/**
 * Resolves once `tS` is certainly past — Spanner's commit wait: a program that stamps
 * a commit with `now().latest` waits here before making it visible, so any event that
 * starts afterwards, on any machine, gets a later stamp. Resolves with the interval that
 * proved it; rejects with CT_TIMEOUT after `timeoutMs`.
 */
export async function commitWait(client: TimeRequester, tS: number, options: CommitWaitOptions = {}): Promise<TrueTimeInterval> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const interval = await now(client);
    const waitS = commitWaitS(interval, tS);
    if (waitS === 0) return interval;
    const leftMs = deadline - Date.now();
    if (leftMs <= 0) {
      throw new ClientError(
        ClientErrorCode.Timeout,
        `commitWait(${tS}): not certainly past after ${timeoutMs} ms (clock ${interval.clockStatus})`,
        'the daemon may not be synchronized: `chronotickctl waitsync`, `chronotickctl status`',
      );
    }
    // A bit past the computed instant, so one more read usually settles it.
    const stepMs = waitS === null ? NO_CLAIM_POLL_MS : Math.min(MAX_STEP_MS, waitS * 1000 + 1);
    await sleep(Math.min(stepMs, leftMs));
  }
}

export interface WaitForSyncOptions {
  /** Largest hard-bound half-width accepted, seconds; any when absent. */
  maxUncertaintyS?: number;
  /** Give up after this long, milliseconds (default 300 s). */
  timeoutMs?: number;
  /** Time between polls, milliseconds (default 500). */
  pollIntervalMs?: number;
}

export interface SyncResult {
  interval: TrueTimeInterval;
  /** How long the wait took, milliseconds. */
  waitedMs: number;
}

/**
 * Resolves once the daemon says `synchronized` with a hard interval no wider than
 * ±maxUncertaintyS, as `chronyc waitsync` and ClockBound's `cbctl waitsync` wait. A
 * daemon that is not running yet (a service started before it) is waited for too;
 * one whose socket this user may not open is not (that needs a person). Rejects with
 * CT_SYNC_TIMEOUT, or — when no daemon ever answered — with the last connection error.
 */
export async function waitForSync(client: TimeRequester, options: WaitForSyncOptions = {}): Promise<SyncResult> {
  const startedMs = Date.now();
  const timeoutMs = options.timeoutMs ?? 300_000;
  const pollMs = options.pollIntervalMs ?? 500;
  let last: TrueTimeInterval | undefined;
  let unreachable: ClientError | undefined;
  for (;;) {
    const leftMs = startedMs + timeoutMs - Date.now();
    try {
      last = await now(client);
      unreachable = undefined;
      if (isSynced(last, options.maxUncertaintyS)) return { interval: last, waitedMs: Date.now() - startedMs };
    } catch (err) {
      if (!(err instanceof ClientError) || !RETRIED.has(err.code)) throw err;
      unreachable = err;
    }
    if (leftMs <= 0) {
      if (last === undefined && unreachable !== undefined) throw unreachable;
      throw new ClientError(
        ClientErrorCode.SyncTimeout,
        `not synchronized within ${(timeoutMs / 1000).toFixed(1)} s: ${describe(last, options.maxUncertaintyS)}`,
        'see `chronotickctl status`: are the NTP servers reachable? is the warm-up over?',
      );
    }
    await sleep(Math.min(pollMs, Math.max(leftMs, 1)));
  }
}

/** Failures that may pass: a daemon not started yet, or restarting. */
const RETRIED = new Set<string>([ClientErrorCode.DaemonUnreachable, ClientErrorCode.ConnectionLost, ClientErrorCode.Timeout]);

function describe(last: TrueTimeInterval | undefined, maxUncertaintyS: number | undefined): string {
  if (last === undefined) return 'the daemon never answered';
  const half = last.earliest === null || last.latest === null ? null : (last.latest - last.earliest) / 2;
  const width = half === null ? 'no interval claimed yet' : `hard bound ±${half.toPrecision(3)} s`;
  const limit = maxUncertaintyS === undefined ? '' : ` (asked for ±${maxUncertaintyS} s)`;
  return `clock ${last.clockStatus}, ${width}${limit}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
