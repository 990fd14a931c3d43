import { isoFromUnixSeconds, type TimeAnswer } from '@chronotick/protocol';
import { NO_CLAIM, alignRows, formatPpm, formatSeconds, formatUncertainty } from '../format';

function formatInterval(t: TimeAnswer): string {
  if (t.earliest === null || t.latest === null || t.coverage === null) return NO_CLAIM;
  return `[${t.earliest.toFixed(6)}, ${t.latest.toFixed(6)}] at ${(t.coverage * 100).toFixed(1)}% coverage`;
}

/** `chronotickctl time`: the corrected time and how far to trust it. */
export function renderTime(t: TimeAnswer): string {
  return alignRows([
    ['Corrected', `${isoFromUnixSeconds(t.corrected_time)} (${t.corrected_time.toFixed(6)})`],
    ['System', `${isoFromUnixSeconds(t.system_time)} (${t.system_time.toFixed(6)})`],
    ['Offset', `${formatSeconds(t.offset_correction, true)} ± ${formatUncertainty(t.offset_uncertainty)}`],
    ['Drift', formatPpm(t.drift_rate)],
    ['Interval', formatInterval(t)],
    [
      'Hard bound',
      t.hard_earliest === null || t.hard_latest === null ? NO_CLAIM : `[${t.hard_earliest.toFixed(6)}, ${t.hard_latest.toFixed(6)}]`,
    ],
    ['Confidence', t.confidence.toFixed(3)],
    ['Source', `${t.source} (clock ${t.clock_status}, daemon ${t.daemon_status})`],
  ]);
}
