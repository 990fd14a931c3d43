import { NO_CLAIM, formatDuration, formatSeconds, formatWarmup, isoFromUnixSeconds } from '@chronotick/protocol';
import type { ConvertedTime } from './convert-time';
import type { LocalTime } from './timezone';

/**
 * A short text rendering of a tool's answer, for models that read text, not JSON.
 * Figures are scaled as chronotickctl scales them (`±1.001658 s`, `12.248 ms`), never
 * a million microseconds; the structured content keeps plain seconds.
 */
export function renderToolText(toolName: string, answer: Record<string, unknown>): string {
  const num = (key: string): number => Number(answer[key]);
  if (toolName === 'get_daemon_status') return renderStatus(answer, num);
  if (answer.time_uncertainty === null) return renderUnmeasured(answer, num);
  const interval = `true time in [${num('earliest').toFixed(6)}, ${num('latest').toFixed(6)}] with probability ${num('coverage')}`;
  const hard =
    answer.hard_earliest === null
      ? ''
      : `; certainly in [${num('hard_earliest').toFixed(6)}, ${num('hard_latest').toFixed(6)}] (hard bound: use it to order events across machines)`;
  const lines = [
    `corrected time: ${isoFromUnixSeconds(num('corrected_time'))} (${num('corrected_time').toFixed(6)})`,
    `uncertainty: ±${formatSeconds(num('time_uncertainty'))} (1σ); ${interval}${hard}`,
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

/** Before any measurement: the host clock unchanged, and what to check, in words. */
function renderUnmeasured(answer: Record<string, unknown>, num: (key: string) => number): string {
  return [
    `host clock, uncorrected: ${isoFromUnixSeconds(num('system_time'))} (${num('system_time').toFixed(6)})`,
    'No time server has answered yet, so this is the host clock unchanged and nothing is claimed about its error.',
    `clock ${String(answer.clock_status)}; daemon ${String(answer.daemon_status)}. Check get_daemon_status (NTP servers reachable? UDP port 123 open?) and ask again after warm-up.`,
  ].join('\n');
}

function renderStatus(answer: Record<string, unknown>, num: (key: string) => number): string {
  return [
    `status: ${String(answer.status)} (clock ${String(answer.clock_status)})`,
    `offset: ${formatSeconds(num('offset_correction'), true)} ± ${answer.offset_uncertainty === null ? NO_CLAIM : formatSeconds(num('offset_uncertainty'))}`,
    `warm-up: ${formatWarmup(num('warmup_progress'), num('warmup_remaining_seconds'))}`,
    `uptime: ${formatDuration(num('uptime_seconds'))}, memory ${num('memory_usage_mb').toFixed(1)} MB`,
    `ntp: ${String((answer.ntp as { summary?: unknown } | undefined)?.summary ?? '')}`,
  ].join('\n');
}

/** get_time's local line: the same instant on the zone's clock, with the same uncertainty. */
export function renderLocal(answer: Record<string, unknown>, local: LocalTime, note: string | undefined): string {
  const sigma = answer.time_uncertainty === null ? 'uncertainty not known yet' : `± ${formatSeconds(Number(answer.time_uncertainty))}`;
  const dst = local.is_dst ? ', daylight saving' : '';
  const line = `local time: ${local.local_time} (${local.timezone}, ${local.abbreviation}, UTC${local.utc_offset}${dst}) ${sigma}`;
  return note ? `${line}\nnote: ${note}` : line;
}

/** convert_time's text: both sides, the difference, and every note. */
export function renderConversion(c: ConvertedTime): string {
  const side = (l: LocalTime): string => `${l.local_time} ${l.timezone} (${l.abbreviation}${l.is_dst ? ', DST' : ''})`;
  return [`${side(c.source)} = ${side(c.target)}; difference ${c.time_difference}`, ...c.notes.map((n) => `note: ${n}`)].join('\n');
}
