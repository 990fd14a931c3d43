import type { DaemonStatusAnswer } from '@chronotick/protocol';
import { formatPpm, formatSeconds, formatUncertainty, formatWarmup } from '../format';

/** One line per refresh when stdout is not a terminal (logs, pipes, tests). */
export function watchLine(s: DaemonStatusAnswer, atS: number): string {
  const warm = s.warmup_progress < 1 ? ` warm-up ${formatWarmup(s.warmup_progress, s.warmup_remaining_seconds)}` : '';
  return (
    `${new Date(atS * 1000).toISOString()} ${s.status}${warm} clock=${s.clock_status} ` +
    `offset=${formatSeconds(s.offset_correction, true)}±${formatUncertainty(s.offset_uncertainty)} ` +
    `drift=${formatPpm(s.drift_rate)} source=${s.source}`
  );
}
