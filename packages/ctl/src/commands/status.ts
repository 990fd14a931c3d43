import type { DaemonStatusAnswer } from '@chronotick/protocol';
import {
  NO_CLAIM,
  REACH_LEGEND,
  alignRows,
  formatDuration,
  formatPpm,
  formatSeconds,
  formatUncertainty,
  formatWarmup,
  table,
} from '../format';

/** Whether the promise holds: achieved coverage beside the claimed, and the hard bound. */
function formatRecord(r: DaemonStatusAnswer['record']): string {
  if (!r || r.scored === 0) return 'not scored yet (answers are scored once later measurements exist)';
  const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
  const bound = r.hard_bound_width_s === null ? '' : `; hard bound ±${formatSeconds(r.hard_bound_width_s / 2)}`;
  return `95% interval held ${pct(r.served.hour)} last hour, ${pct(r.served.day)} last day (claimed ${pct(r.claimed_coverage)}); drift ${pct(r.served.drift_day)}${bound}`;
}

/** `chronotickctl status`: what an operator needs at a glance. */
export function renderStatus(s: DaemonStatusAnswer): string {
  const head = alignRows([
    ['Status', `${s.status} (clock ${s.clock_status})`],
    ['Warm-up', formatWarmup(s.warmup_progress, s.warmup_remaining_seconds)],
    ['Offset', `${formatSeconds(s.offset_correction, true)} ± ${formatUncertainty(s.offset_uncertainty)}`],
    ['Drift', `${formatPpm(s.drift_rate)} ± ${s.drift_uncertainty === null ? NO_CLAIM : formatPpm(s.drift_uncertainty).replace('+', '')}`],
    ['Source', s.source],
    ['Record', formatRecord(s.record)],
    ['NTP', s.ntp.summary],
    ['Requests', `${(s.success_rate * 100).toFixed(1)}% ok, avg ${formatSeconds(s.average_latency_ms / 1000)} in the daemon`],
    ['Memory', `${s.memory_usage_mb.toFixed(1)} MB`],
    ['Uptime', formatDuration(s.uptime_seconds)],
    ['Version', `${s.version} (pid ${s.pid}, ${s.socket_path})`],
    ['Last error', s.last_error ?? 'none'],
  ]);
  const servers = table(
    ['SERVER', 'STATE', 'REACH', 'SAMPLES', 'OFFSET', 'DELAY', 'JITTER'],
    s.ntp.servers.map((srv) => [
      srv.name,
      srv.state,
      srv.reach.toString(8).padStart(3, '0'),
      String(srv.samples),
      srv.last_offset_s === null ? '-' : formatSeconds(srv.last_offset_s, true),
      srv.last_delay_s === null ? '-' : formatSeconds(srv.last_delay_s),
      srv.jitter_s === null ? '-' : formatSeconds(srv.jitter_s),
    ]),
  );
  const models = table(
    ['MODEL', 'ROLE', 'LOADED', 'WEIGHT', 'CALIBRATED ERROR'],
    s.models.map((m) => [
      m.name,
      m.role,
      m.enabled ? (m.loaded ? 'yes' : 'no') : 'disabled',
      m.weight.toFixed(2),
      m.calibrated_error_s === null ? '-' : formatSeconds(m.calibrated_error_s),
    ]),
  );
  return `${head}\n\n${servers}\n${REACH_LEGEND}\n\n${models}`;
}
