import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { BenchContext, Figure, Section } from '../section';

// Runs in a fresh Node process per model, so the memory figure is what one session adds
// to a process that has already loaded @chronotick/tsfm and onnxruntime-node.
const PROBE = `
const t = require('@chronotick/tsfm');
(async () => {
  const [name, iterations] = process.argv.slice(1);
  const history = t.simulateScenario('temperature_cycles', { seed: 1 }).measurements.slice(0, 200);
  const target = [history[history.length - 1].tS + 60];
  global.gc && global.gc();
  const rss0 = process.memoryUsage().rss;
  // residual_ar, the default short-term model, is statistical: made by the registry, no session.
  const f = name === 'residual_ar' ? t.createModelRegistry().create(name) : await t.OnnxForecaster.load(t.shippedCardPath(name), { threads: 1 });
  for (let i = 0; i < 200; i++) await f.forecast(history, target);
  global.gc && global.gc();
  const rss1 = process.memoryUsage().rss;
  const us = [];
  for (let i = 0; i < Number(iterations); i++) {
    const s = process.hrtime.bigint();
    await f.forecast(history, target);
    us.push(Number(process.hrtime.bigint() - s) / 1e3);
  }
  us.sort((a, b) => a - b);
  const q = (p) => us[Math.min(us.length - 1, Math.floor(p * us.length))];
  process.stdout.write(JSON.stringify({ loadMs: f.loadMs ?? 0, p50Us: q(0.5), p99Us: q(0.99), p999Us: q(0.999), addedMb: (rss1 - rss0) / 1048576 }));
})();
`;

// test/bench/dist/sections → the repository root, where @chronotick/tsfm resolves.
const REPO = resolve(__dirname, '../../../..');

interface Probe {
  loadMs: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  addedMb: number;
}

/**
 * Inference latency of each shipped model (one forecast: resample, run, decode), load
 * time, memory per session; and of residual_ar, the default short-term model, which
 * refits at every forecast on the event loop.
 */
export const models: Section = {
  id: 'models',
  title: 'shipped ONNX models: inference, load, memory',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const iterations = 5000;
    const figures: Figure[] = [];
    for (const name of ['residual_ar', 'chronotick-short', 'chronotick-long', 'chronotick-thermal']) {
      ctx.progress(`models: ${iterations} forecasts of ${name}`);
      const out = execFileSync(process.execPath, ['--expose-gc', '-e', PROBE, name, String(iterations)], { encoding: 'utf8', cwd: REPO });
      const p = JSON.parse(out) as Probe;
      const key = name.replace('-', '_');
      const note = `${iterations} forecasts, 200-measurement history, 1 thread, fresh process`;
      figures.push(
        { key: `${key}_inference_p50_us`, label: `${name} forecast p50`, value: p.p50Us, unit: 'us', note },
        {
          key: `${key}_inference_p99_us`,
          label: `${name} forecast p99`,
          value: p.p99Us,
          unit: 'us',
          target: { on: 'value', op: '<=', limit: 1000 },
        },
        // No target: out here are the few forecasts per thousand that a young-generation GC or a
        // descheduled thread (a few ms on this 2-core machine) lands in; shown so the tail stays visible.
        { key: `${key}_inference_p999_us`, label: `${name} forecast p99.9`, value: p.p999Us, unit: 'us' },
      );
      if (name === 'residual_ar') continue;
      figures.push(
        { key: `${key}_load_ms`, label: `${name} load (card, sha256, session, warm-up)`, value: p.loadMs, unit: 'ms' },
        { key: `${key}_session_mb`, label: `${name} memory added by the session`, value: p.addedMb, unit: 'MB' },
      );
    }
    return figures;
  },
};
