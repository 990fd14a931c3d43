import type { ScenarioReport } from '../sim/run-scenario';
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

const us = (v: number | null): string => (v === null ? '—' : `${(v * 1e6).toFixed(1)} µs`);
const ppm = (v: number | null): string => (v === null ? '—' : `${v.toFixed(3)} ppm`);

/** A simulated run's figures, aligned for people. */
export function scenarioTable(r: ScenarioReport): string {
  const status = Object.entries(r.status_s)
    .map(([s, seconds]) => `${s} ${((100 * seconds) / (r.hours * 3600)).toFixed(1)}%`)
    .join(', ');
  const weights = Object.entries(r.weights)
    .filter(([, w]) => w > 0)
    .map(([p, w]) => `${p} ${w.toFixed(2)}`)
    .join(', ');
  const rows: [string, string][] = [
    ['served |error| p50', us(r.error_p50_s)],
    ['served |error| p95', us(r.error_p95_s)],
    ['served |error| max', us(r.error_max_s)],
    ['free running: |error| p95 / max', `${us(r.error_p95_free_running_s)} / ${us(r.error_max_free_running_s)}`],
    ['95% interval holds the truth', frac(r.coverage_95)],
    ['[earliest, latest] holds the truth', frac(r.coverage_interval)],
    ['95% interval mean width', us(r.mean_width_95_s)],
    ['drift |error| p50 / p95', `${ppm(r.drift_error_p50_ppm)} / ${ppm(r.drift_error_p95_ppm)}`],
    ['drift 95% interval holds the truth', frac(r.drift_coverage_95)],
    ['time by clock status', status],
    ['weights at the end', weights || '—'],
    ['run time', `${r.wall_s.toFixed(2)} s (${r.wall_s_per_sim_hour.toFixed(3)} s per simulated hour)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const head = `scenario ${r.scenario}, seed ${r.seed}, ${r.hours} h simulated: ${r.scored} of ${r.queries} answers scored (every answer after the first measurement)`;
  return [head, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n') + '\n';
}
