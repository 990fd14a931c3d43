import { formatDuration, formatSeconds, formatWarmup, isoFromUnixSeconds } from '@chronotick/protocol';

/**
 * A short text rendering of a tool's answer, for models that read text, not JSON.
 * Figures are scaled as chronotickctl scales them (`±1.001658 s`, `12.248 ms`), never
 * a million microseconds; the structured content keeps plain seconds.
 */
export function renderToolText(toolName: string, answer: Record<string, unknown>): string {
  const num = (key: string): number => Number(answer[key]);
  if (toolName === 'get_daemon_status') return renderStatus(answer, num);
  const interval =
    answer.earliest === null || answer.latest === null
      ? 'no interval yet (nothing measured)'
      : `true time in [${num('earliest').toFixed(6)}, ${num('latest').toFixed(6)}] with probability ${num('coverage')}`;
  const lines = [
    `corrected time: ${isoFromUnixSeconds(num('corrected_time'))} (${num('corrected_time').toFixed(6)})`,
    `uncertainty: ±${formatSeconds(num('time_uncertainty'))} (1σ); ${interval}`,
    `offset correction: ${formatSeconds(num('offset_correction'), true)}; source ${String(answer.source)}; clock ${String(answer.clock_status)}; daemon ${String(answer.daemon_status)}`,
  ];
  if (toolName === 'get_time_with_future_uncertainty') {
    lines.push(
      `in ${num('future_seconds')} s: ${isoFromUnixSeconds(num('projected_time'))} ± ${formatSeconds(num('projected_uncertainty'))} (uncertainty ×${num('confidence_decay').toFixed(2)})`,
    );
  }
  if (toolName === 'get_time_with_confidence_interval') {
    const ci = answer.confidence_interval as { lower_bound: number; upper_bound: number; range: number };
    lines.push(
      `${num('confidence_level') * 100}% interval: [${ci.lower_bound.toFixed(6)}, ${ci.upper_bound.toFixed(6)}] (width ${formatSeconds(ci.range)})`,
    );
  }
  return lines.join('\n');
}

function renderStatus(answer: Record<string, unknown>, num: (key: string) => number): string {
  return [
    `status: ${String(answer.status)} (clock ${String(answer.clock_status)})`,
    `offset: ${formatSeconds(num('offset_correction'), true)} ± ${formatSeconds(num('offset_uncertainty'))}`,
    `warm-up: ${formatWarmup(num('warmup_progress'), num('warmup_remaining_seconds'))}`,
    `uptime: ${formatDuration(num('uptime_seconds'))}, memory ${num('memory_usage_mb').toFixed(1)} MB`,
    `ntp: ${String((answer.ntp as { summary?: unknown } | undefined)?.summary ?? '')}`,
  ].join('\n');
}
