import { z } from 'zod';
import { ClientError, ClientErrorCode, type ChronoTickClient } from '@chronotick/client';
import { formatSeconds } from '@chronotick/protocol';
import { acceptNumericString } from './lenient-args';
import type { ToolResultParts } from './tools';

/** An MCP host gives up on a call after about a minute: the wait stays below it. */
export const MAX_WAIT_S = 60;
const DEFAULT_WAIT_S = 30;

export const WaitForSyncShape = {
  max_uncertainty_seconds: acceptNumericString(
    z.number({ error: 'max_uncertainty_seconds must be a number of seconds, e.g. 0.01' }).positive().optional(),
  ).describe('Largest hard-bound half-width accepted, s; default: any'),
  timeout_seconds: acceptNumericString(
    z
      .number({ error: `timeout_seconds must be a number of seconds, 0–${MAX_WAIT_S}` })
      .min(0)
      .max(MAX_WAIT_S, { error: `timeout_seconds is at most ${MAX_WAIT_S}: call again to wait longer` })
      .optional(),
  ).describe(`At most ${MAX_WAIT_S}; default ${DEFAULT_WAIT_S}`),
};

/**
 * wait_for_sync: the client's waitForSync, bounded. Not being synchronized in time is an
 * answer (`synchronized: false`, and why), not a tool error; an unreachable daemon is.
 */
export async function waitForSyncTool(client: ChronoTickClient, args: Record<string, unknown>): Promise<ToolResultParts> {
  const timeoutS = typeof args.timeout_seconds === 'number' ? args.timeout_seconds : DEFAULT_WAIT_S;
  const maxUncertaintyS = typeof args.max_uncertainty_seconds === 'number' ? args.max_uncertainty_seconds : undefined;
  const startedMs = Date.now();
  try {
    const { interval, waitedMs } = await client.waitForSync({
      timeoutMs: timeoutS * 1000,
      pollIntervalMs: 250,
      ...(maxUncertaintyS === undefined ? {} : { maxUncertaintyS }),
    });
    const halfS = ((interval.latest as number) - (interval.earliest as number)) / 2;
    return {
      structured: {
        synchronized: true,
        waited_seconds: waitedMs / 1000,
        clock_status: interval.clockStatus,
        corrected_time: interval.correctedTime,
        hard_earliest: interval.earliest,
        hard_latest: interval.latest,
      },
      text: `synchronized after ${(waitedMs / 1000).toFixed(1)} s: the true time is certainly within ±${formatSeconds(halfS)} of the corrected time`,
    };
  } catch (err) {
    if (!(err instanceof ClientError && err.code === ClientErrorCode.SyncTimeout)) throw err;
    const waitedS = (Date.now() - startedMs) / 1000;
    return {
      structured: { synchronized: false, waited_seconds: waitedS, reason: err.message },
      text: `${err.message}\nHint: ${err.hint ?? ''} Call wait_for_sync again to keep waiting.`,
    };
  }
}
