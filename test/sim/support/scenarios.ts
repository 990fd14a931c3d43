import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ScenarioReport } from 'chronotickd';

const EVAL_BIN = path.resolve(__dirname, '..', '..', '..', 'packages', 'daemon', 'bin', 'chronotick-eval.js');
/** Runs at once: this machine has two cores, and each run is single-threaded. */
const PARALLEL = 2;

/**
 * Runs a scenario over several seeds with `chronotick-eval --scenario`, the built
 * binary in its own process: the daemon's whole time path in virtual time, a simulated
 * day in well under a minute, and about twice as fast as inside jest's sandbox.
 */
export async function runSeeds(scenario: string, seeds: readonly number[], extraArgs: readonly string[] = []): Promise<ScenarioReport[]> {
  const out: ScenarioReport[] = new Array(seeds.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < seeds.length; i = next++) out[i] = await runOne(scenario, seeds[i] as number, extraArgs);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, seeds.length) }, worker));
  return out;
}

function runOne(scenario: string, seed: number, extraArgs: readonly string[]): Promise<ScenarioReport> {
  const args = [EVAL_BIN, '--scenario', scenario, '--seed', String(seed), '--json', ...extraArgs];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`chronotick-eval --scenario ${scenario} --seed ${seed} failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout) as ScenarioReport);
    });
  });
}

/** The same runs with the daemon configured by `yaml` (a config file's text). */
export async function runSeedsWithConfig(
  scenario: string,
  seeds: readonly number[],
  yaml: string,
  extraArgs: readonly string[] = [],
): Promise<ScenarioReport[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-sim-config-'));
  const config = path.join(dir, 'config.yaml');
  fs.writeFileSync(config, yaml);
  try {
    return await runSeeds(scenario, seeds, [...extraArgs, '--config', config]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same runs with fusion serving the linear fit alone (`fusion.method: linear`):
 * the baseline a forecast must beat, in the same worlds (configured by `yaml` besides).
 */
export function runSeedsLinearAlone(
  scenario: string,
  seeds: readonly number[],
  extraArgs: readonly string[] = [],
  yaml = '',
): Promise<ScenarioReport[]> {
  return runSeedsWithConfig(scenario, seeds, `${yaml}fusion:\n  method: linear\n`, extraArgs);
}

/** The seeds every scenario runs over. */
export const SEEDS = [1, 2, 3] as const;

/** One line per run, for the test log: what the limits were checked against. */
export function describeRuns(reports: readonly ScenarioReport[]): string {
  const us = (v: number | null): string => (v === null ? '—' : `${(v * 1e6).toFixed(0)} µs`);
  return reports
    .map(
      (r) =>
        `${r.scenario} seed ${r.seed}: |error| p50 ${us(r.error_p50_s)} p95 ${us(r.error_p95_s)} max ${us(r.error_max_s)}, ` +
        `cov95 ${r.coverage_95?.toFixed(3)}, [earliest, latest] ${r.coverage_interval?.toFixed(3)}, ${r.wall_s.toFixed(1)} s`,
    )
    .join('\n');
}
