import { ErrorCode, ProtocolError, type ClockStatus, type TimeAtAnswer } from '@chronotick/protocol';
import type { Measurement } from '@chronotick/tsfm';
import type { TimePipeline } from './time-pipeline';

/**
 * The interval of a past host-clock reading (get_time_at), in the manner of fbclock's
 * gettime_past: where the true time certainly was when the host clock read `atS`.
 *
 * Each measurement m says the true offset was within θ_m ± λ_m at t_m; carried to any
 * t at the served drift d ± D it becomes θ_m + d(t − t_m) ± (λ_m + D|t − t_m|), before
 * t_m as well as after it. All hold at once, so the bound is their intersection —
 * the same assumptions as the hard bound of get_time (honest servers, drift error
 * within D), extended to the measurements taken after the reading, which pin a past
 * instant from both sides. Pure: the daemon passes its history and current drift.
 */
export interface PastIntervalInput {
  /** The measurement history, oldest first (the pipeline's discipline). */
  measurements: readonly Measurement[];
  /** The served drift and its σ, s/s. */
  driftSPerS: number;
  driftSigmaSPerS: number;
  clockStatus: ClockStatus;
  /** The configured holdover drift, ppm: the drift error is this plus three of the drift's σ. */
  maxDriftPpm: number;
  /** The host clock now, Unix seconds. */
  nowS: number;
}

/**
 * A reading this far past the daemon's own clock read is still taken as now: the
 * caller read its clock before the request reached us, on another core.
 */
const FUTURE_SLACK_S = 1;

/** The hard interval of the true time at host time `atS`; throws CT_NOT_READY or CT_OUT_OF_HISTORY. */
export function pastInterval(input: PastIntervalInput, atS: number): TimeAtAnswer {
  const bounded = input.measurements.filter((m) => m.boundS !== undefined);
  const oldest = bounded[0];
  if (oldest === undefined) {
    throw new ProtocolError(ErrorCode.NotReady, 'no measurement yet: the daemon has no history to answer for a past reading', {
      hint: 'wait for synchronisation (`chronotickctl waitsync`), then ask about readings taken after it',
    });
  }
  if (atS < oldest.tS) {
    throw new ProtocolError(
      ErrorCode.OutOfHistory,
      `system_time ${atS.toFixed(6)} is before the daemon's history, which starts at ${oldest.tS.toFixed(6)}`,
      { field: 'params.system_time', hint: 'ask soon after the event: the history holds the last few thousand measurements' },
    );
  }
  if (atS > input.nowS + FUTURE_SLACK_S) {
    throw new ProtocolError(ErrorCode.OutOfHistory, `system_time ${atS.toFixed(6)} is in the future (now ${input.nowS.toFixed(6)})`, {
      field: 'params.system_time',
      hint: 'get_time answers for now; get_time_at for readings already taken',
    });
  }
  const driftErrorSPerS = input.maxDriftPpm * 1e-6 + 3 * input.driftSigmaSPerS;
  const lowAt = (m: Measurement): number =>
    m.offsetS + input.driftSPerS * (atS - m.tS) - (m.boundS as number) - driftErrorSPerS * Math.abs(atS - m.tS);
  const highAt = (m: Measurement): number =>
    m.offsetS + input.driftSPerS * (atS - m.tS) + (m.boundS as number) + driftErrorSPerS * Math.abs(atS - m.tS);
  let lowS = -Infinity;
  let highS = Infinity;
  for (const m of bounded) {
    lowS = Math.max(lowS, lowAt(m));
    highS = Math.min(highS, highAt(m));
  }
  let used = bounded.length;
  if (lowS > highS) {
    // The constraints contradict each other (a server's root distance lied, or the
    // drift error was exceeded): as get_time's hard bound does, the nearest one alone.
    const nearest = bounded.reduce((a, b) => (Math.abs(b.tS - atS) < Math.abs(a.tS - atS) ? b : a));
    lowS = lowAt(nearest);
    highS = highAt(nearest);
    used = 1;
  }
  return {
    system_time: atS,
    corrected_time: atS + (lowS + highS) / 2,
    hard_earliest: atS + lowS,
    hard_latest: atS + highS,
    clock_status: input.clockStatus,
    history_start: oldest.tS,
    measurements_used: used,
  };
}

/** What get_time_at reads from the pipeline: its history and current drift (the daemon and the simulated tests alike). */
export function pastIntervalInput(pipeline: TimePipeline, maxDriftPpm: number, nowS: number): PastIntervalInput {
  const c = pipeline.current;
  return {
    measurements: pipeline.discipline.measurements,
    driftSPerS: c.driftSPerS,
    driftSigmaSPerS: c.driftSigmaSPerS,
    clockStatus: c.clockStatus,
    maxDriftPpm,
    nowS,
  };
}
