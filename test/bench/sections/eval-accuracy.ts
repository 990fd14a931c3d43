import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CONFIG } from '@chronotick/config';
import { parseReplayCsv, simulateScenario, type Measurement } from '@chronotick/tsfm';
import { evaluateServed } from 'chronotickd';
import { REPO_ROOT } from '../lib/servers';
import type { BenchContext, Figure, Section } from '../section';

const RECORDED = path.join(REPO_ROOT, 'data', 'recorded');
const SCENARIOS = ['quartz_drift', 'temperature_cycles', 'vm_fast_drift', 'steps'] as const;

/**
 * The `chronotick-eval` summary, as issues 5 and 7 ask: on each recorded series and
 * four synthetic scenarios, fusion's MAE beside the best single method's (target: no
 * worse), and fusion's 95% interval coverage (target 0.90–0.98). Synthetic series are
 * scored against their true offset, recorded ones against the measurements.
 */
export const evalAccuracy: Section = {
  id: 'eval',
  title: 'replay evaluation: fusion vs the best single method',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const series: [string, Measurement[]][] = [];
    for (const file of fs.readdirSync(RECORDED).sort()) {
      if (file.endsWith('.csv'))
        series.push([file.replace('.csv', ''), parseReplayCsv(fs.readFileSync(path.join(RECORDED, file), 'utf8'))]);
    }
    for (const name of SCENARIOS) series.push([name, simulateScenario(name, { seed: 1 }).measurements]);
    const figures: Figure[] = [];
    for (const [name, measurements] of series) {
      ctx.progress(`eval: ${name} (${measurements.length} measurements)`);
      const result = await evaluateServed(measurements, DEFAULT_CONFIG);
      const scores = result.methods as Record<string, { mae_s: number; coverage_95: number | null }>;
      const singles = Object.entries(scores).filter(([k]) => k !== 'fusion' && k !== 'system');
      const [bestName, best] = singles.reduce((a, b) => (b[1].mae_s < a[1].mae_s ? b : a));
      const fusion = scores.fusion as { mae_s: number; coverage_95: number | null };
      figures.push({
        key: `eval_${name}_fusion_mae_us`,
        label: `${name}: fusion MAE`,
        value: fusion.mae_s * 1e6,
        unit: 'us',
        baseline: { label: `best single (${bestName})`, value: best.mae_s * 1e6 },
        target: { on: 'ratio', op: '<=', limit: 1 },
        note: `${name}: ${result.points} points${measurements.some((m) => m.trueOffsetS !== undefined) ? ', scored against the true offset' : ', scored against the measurements'}`,
      });
      figures.push({
        key: `eval_${name}_fusion_coverage_95`,
        label: `${name}: fusion 95% coverage`,
        value: fusion.coverage_95 ?? NaN,
        unit: 'fraction',
        target: { on: 'value', op: 'within', lower: 0.9, limit: 0.98 },
      });
    }
    return figures;
  },
};
