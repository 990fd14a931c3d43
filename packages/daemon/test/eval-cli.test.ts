import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { simulateScenario, simulationToReplayCsv } from '@chronotick/tsfm';

// The installed binary (built by `tsc -b`, as `npm test`'s pretest does).
const BIN = resolve(__dirname, '../bin/chronotick-eval.js');
const RECORDED = resolve(__dirname, '../../../data/recorded');

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('chronotick-eval', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'chronotick-eval-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('--json prints exactly one object of the documented shape', () => {
    const r = run('--data', join(RECORDED, 'ares11-2h.csv'), '--json');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const json = JSON.parse(r.stdout) as { points: number; methods: Record<string, Record<string, number | null>> };
    expect(json.points).toBe(64);
    expect(Object.keys(json.methods)).toEqual(['system', 'hold_last', 'linear', 'kalman', 'residual_ar', 'chronotick_long', 'fusion']);
    expect(json.methods.system).toEqual({
      mae_s: expect.any(Number),
      rmse_s: expect.any(Number),
      p95_s: expect.any(Number),
      coverage_95: null,
      mean_width_s: null,
    });
  });

  test('the text table on a synthetic file, and a --config that disables the long-term model', () => {
    const csv = join(dir, 'vm.csv');
    writeFileSync(csv, simulationToReplayCsv(simulateScenario('vm_fast_drift', { seed: 1, durationS: 3600 })));
    const config = join(dir, 'c.yaml');
    writeFileSync(config, 'long_term:\n  enabled: false\n');
    const r = run('--data', csv, '--config', config);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[1]).toMatch(/^method\s+MAE ms\s+RMSE ms\s+p95 ms\s+cov95\s+width95 ms$/);
    expect(lines.slice(2).map((l) => l.split(/\s+/)[0])).toEqual(['system', 'hold_last', 'linear', 'kalman', 'residual_ar', 'fusion']);
  });

  test('an unreadable CSV exits 2 naming the line', () => {
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'timestamp,offset_s,delay_s,server\n1.0,0.001,,a\n2.0,0.002,,a\n3.0,oops,,a\n');
    const r = run('--data', csv, '--json');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('line 4');
    expect(run('--data', join(dir, 'missing.csv')).status).toBe(2);
  });

  test('usage errors exit 2; --help and --version exit 0', () => {
    expect(run().status).toBe(2);
    expect(run('--data', 'x.csv', '--bogus').status).toBe(2);
    expect(run('--help').stdout).toContain('Usage: chronotick-eval');
    expect(run('--version').stdout).toMatch(/^chronotick-eval \d+\.\d+\.\d+/);
  });

  test('a configured model that cannot be loaded exits 1 with the file named', () => {
    const config = join(dir, 'byo.yaml');
    writeFileSync(config, `short_term:\n  model_name: ${join(dir, 'nowhere.card.json')}\n`);
    const r = run('--data', join(RECORDED, 'ares11-2h.csv'), '--config', config);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('TSFM_MODEL_MISSING');
    expect(r.stderr).toContain('nowhere.card.json');
  });
});
