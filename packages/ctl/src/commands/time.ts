import { isoFromUnixSeconds, type TimeAnswer } from '@chronotick/protocol';
import { alignRows, formatPpm, formatSeconds } from '../format';

/** `chronotickctl time`: the corrected time and how far to trust it. */
export function renderTime(t: TimeAnswer): string {
  return alignRows([
    ['Corrected', `${isoFromUnixSeconds(t.corrected_time)} (${t.corrected_time.toFixed(6)})`],
    ['System', `${isoFromUnixSeconds(t.system_time)} (${t.system_time.toFixed(6)})`],
    ['Offset', `${formatSeconds(t.offset_correction, true)} ± ${formatSeconds(t.offset_uncertainty)}`],
    ['Drift', formatPpm(t.drift_rate)],
    ['Interval', `[${t.earliest.toFixed(6)}, ${t.latest.toFixed(6)}] at ${(t.coverage * 100).toFixed(1)}% coverage`],
    ['Confidence', t.confidence.toFixed(3)],
    ['Source', `${t.source} (clock ${t.clock_status}, daemon ${t.daemon_status})`],
  ]);
}
