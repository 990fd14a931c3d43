import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanEnv } from './support/daemon-process';
import { REPO_ROOT } from './support/paths';

// `npm run demo` is how a newcomer first sees ChronoTick correct a clock: its table
// must stay a table (the daemon's log goes to a file it names), its columns must not
// move when the source or status changes, and it must end by saying how well it did.

function runDemo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'scripts/demo.mjs'), ...args], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the demo prints a clean, steady table, names its log, and ends with a summary against the truth', async () => {
  const { code, stdout, stderr } = await runDemo(['--seconds', '12', '--warmup', '4']);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const lines = stdout.split('\n');

  const logFile = /^daemon log: (\S+)$/m.exec(stdout)?.[1] ?? '';
  expect(fs.readFileSync(logFile, 'utf8')).toContain('listening on');
  fs.rmSync(logFile);

  const header = lines.findIndex((l) => l.startsWith('   t  status'));
  const summary = lines.findIndex((l) => l.startsWith('summary over'));
  expect(header).toBeGreaterThan(0);
  expect(summary).toBeGreaterThan(header);
  const rows = lines.slice(header + 1, summary).filter((l) => l !== '');
  expect(rows.length).toBeGreaterThanOrEqual(8);
  // Every row is a row (no log line slipped in), and every column ends where the first row's
  // does. Before its first exchange the daemon serves the system clock with no σ ("—").
  const columnsOf = (line: string): number[] => [...line.matchAll(/µs|—/g)].map((m) => m.index + m[0].length);
  const firstRow = rows[0] as string;
  for (const line of rows) {
    expect(line).toMatch(/^ {0,2}\d+s {2}\S+ +\S+ +-?\d+\.\d µs +(-?\d+\.\d µs|—) +(-?\d+\.\d µs +){2}(yes|NO|no claim)$/);
    expect(columnsOf(line)).toEqual(columnsOf(firstRow));
  }
  expect(rows.some((l) => l.includes('warming_up'))).toBe(true);
  expect(rows.some((l) => !l.includes('warming_up'))).toBe(true);

  const tail = lines.slice(summary).join('\n');
  const after =
    /after warm-up \((\d+) s\): served error p50 ([\d.]+) (µs|ms), p95 ([\d.]+) (µs|ms); the interval held the true time (\d+)\/(\d+) times/.exec(
      tail,
    );
  expect(after).not.toBeNull();
  const toS = (value: string, unit: string): number => Number(value) * (unit === 'ms' ? 1e-3 : 1e-6);
  const [p50S, p95S] = [toS(after?.[2] ?? '', after?.[3] ?? ''), toS(after?.[4] ?? '', after?.[5] ?? '')];
  expect(p50S).toBeLessThanOrEqual(p95S);
  // The reference is 50 ms off the host clock: the served time must be far closer.
  expect(p95S).toBeLessThan(0.01);
  expect(Number(after?.[6])).toBeLessThanOrEqual(Number(after?.[7]));
  expect(tail).toMatch(/served from: \w+ \d+%/);
  expect(tail).toMatch(/^ {2}SOURCE +WEIGHT +CALIBRATED ERROR +WHY$/m);
  expect(tail).toMatch(/^ {2}residual_ar +\d\.\d\d +\S+( µs| ms)? +\S/m);
});
