import type { DaemonStatusAnswer } from '@chronotick/protocol';
import { REACH_LEGEND, formatSeconds, table } from '../format';

/** `chronotickctl sources`: each NTP server, its health and its weight in the last round. */
export function renderSources(s: DaemonStatusAnswer): string {
  const rows = s.ntp.servers.map((srv) => {
    const rejects = Object.entries(srv.rejects)
      .filter(([, n]) => n > 0)
      .map(([reason, n]) => `${reason}:${n}`)
      .join(',');
    return [
      srv.name,
      srv.address ?? '-',
      srv.state + (srv.kod ? ` (KoD ${srv.kod})` : ''),
      srv.reach.toString(8).padStart(3, '0'),
      String(srv.samples),
      srv.last_offset_s === null ? '-' : formatSeconds(srv.last_offset_s, true),
      srv.last_delay_s === null ? '-' : formatSeconds(srv.last_delay_s),
      srv.jitter_s === null ? '-' : formatSeconds(srv.jitter_s),
      srv.weight === null ? '-' : srv.weight.toFixed(2),
      rejects || '-',
    ];
  });
  const header = ['SERVER', 'ADDRESS', 'STATE', 'REACH', 'SAMPLES', 'OFFSET', 'DELAY', 'JITTER', 'WEIGHT', 'REJECTS'];
  return `${table(header, rows)}\n${REACH_LEGEND}\n\n${s.ntp.summary}`;
}
