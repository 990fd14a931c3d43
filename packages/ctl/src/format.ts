/** Text rendering helpers for people; --json output never goes through these. */

export { NO_CLAIM, formatDuration, formatPpm, formatSeconds, formatUncertainty, formatWarmup } from '@chronotick/protocol';

/** Rows of `label  value`, labels padded to one column. */
export function alignRows(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

/** A table with a header row, columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Printed under every server table: REACH is octal bits, which nobody should have to know. */
export const REACH_LEGEND = 'REACH: the last 8 polls in octal, newest last (377 = all answered, 000 = none)';
