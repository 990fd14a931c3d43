import { isoFromUnixSeconds } from '@chronotick/protocol';

/** A short text rendering of a tool's answer, for models that read text, not JSON. */
export function renderToolText(toolName: string, answer: Record<string, unknown>): string {
  const num = (key: string): number => Number(answer[key]);
  const us = (seconds: number): string => `${(seconds * 1e6).toFixed(1)} µs`;
  if (toolName === 'get_daemon_status') {
    return [
      `status: ${String(answer.status)} (clock ${String(answer.clock_status)})`,
      `offset: ${us(num('offset_correction'))} ± ${us(num('offset_uncertainty'))}`,
      `warm-up: ${Math.round(num('warmup_progress') * 100)}%`,
      `uptime: ${num('uptime_seconds').toFixed(0)} s, memory ${num('memory_usage_mb').toFixed(1)} MB`,
      `ntp: ${String((answer.ntp as { summary?: unknown } | undefined)?.summary ?? '')}`,
    ].join('\n');
  }
  const lines = [
    `corrected time: ${isoFromUnixSeconds(num('corrected_time'))} (${num('corrected_time').toFixed(6)})`,
    `uncertainty: ±${us(num('time_uncertainty'))} (1σ); true time in [${num('earliest').toFixed(6)}, ${num('latest').toFixed(6)}] with probability ${num('coverage')}`,
    `offset correction: ${us(num('offset_correction'))}; source ${String(answer.source)}; clock ${String(answer.clock_status)}; daemon ${String(answer.daemon_status)}`,
  ];
  if (toolName === 'get_time_with_future_uncertainty') {
    lines.push(
      `in ${num('future_seconds')} s: ${isoFromUnixSeconds(num('projected_time'))} ± ${us(num('projected_uncertainty'))} (uncertainty ×${num('confidence_decay').toFixed(2)})`,
    );
  }
  if (toolName === 'get_time_with_confidence_interval') {
    const ci = answer.confidence_interval as { lower_bound: number; upper_bound: number; range: number };
    lines.push(
      `${num('confidence_level') * 100}% interval: [${ci.lower_bound.toFixed(6)}, ${ci.upper_bound.toFixed(6)}] (width ${us(ci.range)})`,
    );
  }
  return lines.join('\n');
}
