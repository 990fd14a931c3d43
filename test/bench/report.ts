import type { Figure, Target, Unit } from './section';
import { round } from './lib/stats';

export type Status = 'ok' | 'MISSED' | 'INVALID' | 'no target';

/** A figure that did not meet its target, or could not be judged: either fails the run. */
function failed(status: Status): boolean {
  return status === 'MISSED' || status === 'INVALID';
}

export interface SectionResult {
  id: string;
  title: string;
  figures: Figure[];
  /** Set when the section failed; the others still run and are reported. */
  error?: string;
}

export function ratioOf(figure: Figure): number | undefined {
  return figure.baseline && figure.baseline.value !== 0 ? figure.value / figure.baseline.value : undefined;
}

export function statusOf(figure: Figure): Status {
  const { target } = figure;
  if (figure.invalid !== undefined) return 'INVALID';
  if (!target) return 'no target';
  const judged = target.on === 'ratio' ? ratioOf(figure) : figure.value;
  if (judged === undefined) return 'MISSED';
  const met =
    target.op === '<='
      ? judged <= target.limit
      : target.op === '>='
        ? judged >= target.limit
        : judged >= (target.lower ?? -Infinity) && judged <= target.limit;
  return met ? 'ok' : 'MISSED';
}

const UNIT_TEXT: Record<Unit, string> = { us: 'µs', ms: 'ms', 'req/s': 'req/s', MB: 'MB', x: '×', fraction: '' };

function withUnit(value: number, unit: Unit): string {
  return unit === 'fraction' ? value.toFixed(3) : `${round(value)} ${UNIT_TEXT[unit]}`;
}

function targetText(target: Target | undefined, unit: Unit): string {
  if (!target) return '—';
  if (target.op === 'within') return `${withUnit(target.lower ?? -Infinity, unit)}–${withUnit(target.limit, unit)}`;
  const op = target.op === '<=' ? '≤' : '≥';
  return target.on === 'ratio' ? `${op} ${target.limit}× floor` : `${op} ${withUnit(target.limit, unit)}`;
}

/** The readable table: one row per figure, every figure beside its target. */
export function renderTable(header: string, results: readonly SectionResult[]): string {
  const rows: string[][] = [['section', 'figure', 'value', 'baseline', 'ratio', 'target', 'status']];
  const notes: string[] = [];
  let missed = 0;
  for (const result of results) {
    if (result.error !== undefined) {
      rows.push([result.id, 'FAILED', '', '', '', '', 'MISSED']);
      notes.push(`${result.id}: FAILED: ${result.error}`);
      missed++;
      continue;
    }
    result.figures.forEach((figure, index) => {
      const ratio = ratioOf(figure);
      const status = statusOf(figure);
      if (failed(status)) missed++;
      rows.push([
        index === 0 ? result.id : '',
        figure.label,
        withUnit(figure.value, figure.unit),
        figure.baseline ? `${withUnit(figure.baseline.value, figure.unit)} (${figure.baseline.label})` : '—',
        ratio === undefined ? '—' : `${round(ratio)}×`,
        targetText(figure.target, figure.unit),
        status === 'no target' ? '' : status,
      ]);
      if (figure.note) notes.push(`${result.id}: ${figure.note}`);
      if (figure.invalid !== undefined) notes.push(`${result.id}: INVALID: ${figure.invalid}`);
    });
  }
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  // Numbers right-aligned so magnitudes line up; text left-aligned.
  const rightAligned = new Set([2, 3, 4]);
  const lines = rows.map((row) =>
    row
      .map((cell, col) => (rightAligned.has(col) ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!)))
      .join('  ')
      .trimEnd(),
  );
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const summary = missed === 0 ? 'every figure with a target met it' : `${missed} figure(s) MISSED their target or could not be judged`;
  // Figures of one measurement share their note (and an INVALID reason): each is shown once.
  return [header, '', ...lines, '', ...[...new Set(notes)].map((n) => `  ${n}`), '', summary, ''].join('\n');
}

/** The --json object: every figure with its baseline, ratio, target and status. */
export function toJson(meta: Record<string, unknown>, results: readonly SectionResult[]): Record<string, unknown> {
  const missed: string[] = [];
  const sections = results.map((result) => {
    if (result.error !== undefined) missed.push(result.id);
    return {
      id: result.id,
      title: result.title,
      ...(result.error !== undefined ? { error: result.error } : {}),
      figures: result.figures.map((figure) => {
        const status = statusOf(figure);
        if (failed(status)) missed.push(figure.key);
        const ratio = ratioOf(figure);
        return {
          ...figure,
          value: round(figure.value, 4),
          ...(figure.baseline ? { baseline: { ...figure.baseline, value: round(figure.baseline.value, 4) } } : {}),
          ...(ratio === undefined ? {} : { ratio: round(ratio, 4) }),
          status,
        };
      }),
    };
  });
  return { ...meta, sections, missed };
}
