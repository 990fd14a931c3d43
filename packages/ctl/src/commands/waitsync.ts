import type { ChronoTickClient, SyncResult } from '@chronotick/client';
import { formatSeconds } from '../format';

/** waitsync's flags, in seconds as given. */
export interface WaitsyncOptions {
  /** Largest hard-bound half-width accepted, seconds; any when absent. */
  maxUncertaintyS: number | undefined;
  timeoutS: number;
}

/** The default --timeout: past the default 180 s warm-up, below systemd's start limit of a slow unit. */
export const DEFAULT_WAITSYNC_TIMEOUT_S = 300;
const POLL_INTERVAL_MS = 500;

/** Parses waitsync's flags; a string when one is wrong. */
export function parseWaitsyncFlags(maxUncertainty: string | undefined, timeout: string | undefined): WaitsyncOptions | string {
  const maxUncertaintyS = maxUncertainty === undefined ? undefined : Number(maxUncertainty);
  if (maxUncertaintyS !== undefined && !(maxUncertaintyS > 0 && Number.isFinite(maxUncertaintyS))) {
    return '--max-uncertainty must be a positive number of seconds, e.g. 0.01';
  }
  const timeoutS = timeout === undefined ? DEFAULT_WAITSYNC_TIMEOUT_S : Number(timeout);
  if (!(timeoutS >= 0 && Number.isFinite(timeoutS))) return '--timeout must be a number of seconds, 0 or more';
  return { maxUncertaintyS, timeoutS };
}

/**
 * `chronotickctl waitsync`: blocks until the daemon is synchronized with a hard bound no
 * wider than ±max-uncertainty, as `chronyc waitsync` and `cbctl waitsync` do, for
 * `ExecStartPre=` lines of services that need good time. The client's waitForSync
 * does the waiting; failures (timeout: CT_SYNC_TIMEOUT) are thrown to the caller.
 */
export async function waitsync(client: ChronoTickClient, opts: WaitsyncOptions): Promise<SyncResult> {
  return client.waitForSync({
    ...(opts.maxUncertaintyS === undefined ? {} : { maxUncertaintyS: opts.maxUncertaintyS }),
    timeoutMs: opts.timeoutS * 1000,
    pollIntervalMs: POLL_INTERVAL_MS,
  });
}

export function renderSynced(result: SyncResult): string {
  const { earliest, latest, correctedTime } = result.interval;
  const halfS = ((latest as number) - (earliest as number)) / 2;
  return `synchronized after ${(result.waitedMs / 1000).toFixed(1)} s: ±${formatSeconds(halfS)} (hard bound), corrected time ${correctedTime.toFixed(6)}`;
}

export function syncedJson(result: SyncResult): Record<string, unknown> {
  const { earliest, latest, correctedTime, clockStatus, systemTime } = result.interval;
  return {
    synchronized: true,
    waited_seconds: result.waitedMs / 1000,
    clock_status: clockStatus,
    system_time: systemTime,
    corrected_time: correctedTime,
    hard_earliest: earliest,
    hard_latest: latest,
  };
}
