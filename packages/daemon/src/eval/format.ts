import type { MethodScore } from './metrics';
import type { EvalResult } from './replay';

const KEYS: readonly (keyof MethodScore)[] = ['mae_s', 'rmse_s', 'p95_s', 'coverage_95', 'mean_width_s'];

/**
 * The `--json` contract, exactly: `{"points": N, "methods": {"<name>": {"mae_s", "rmse_s",
 * "p95_s", "coverage_95", "mean_width_s"}}}`, null where a figure does not apply.
 */
export function evalJson(result: EvalResult): { points: number; methods: Record<string, MethodScore> } {
  const methods: Record<string, MethodScore> = {};
  for (const [name, report] of Object.entries(result.methods)) {
    const score = {} as MethodScore;
    for (const k of KEYS) {
      const v = report[k];
      score[k] = v === null || !Number.isFinite(v) ? null : v;
    }
    methods[name] = score;
  }
  return { points: result.points, methods };
}

const ms = (v: number | null): string => (v === null ? '—' : (v * 1e3).toFixed(3));
const frac = (v: number | null): string => (v === null ? '—' : v.toFixed(3));

/** An aligned table for people: milliseconds, coverage as a fraction. */
export function evalTable(result: EvalResult, source: string): string {
  const header = ['method', 'MAE ms', 'RMSE ms', 'p95 ms', 'cov95', 'width95 ms'];
  const rows = Object.entries(result.methods).map(([name, r]) => [
    name,
    ms(r.mae_s),
    ms(r.rmse_s),
    ms(r.p95_s),
    frac(r.coverage_95),
    ms(r.mean_width_s),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number)))
      .join('  ')
      .trimEnd();
  return (
    [`${source}: ${result.points} points scored (the first 8 measurements warm up)`, line(header), ...rows.map(line)].join('\n') + '\n'
  );
}
