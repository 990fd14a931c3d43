import { readFileSync } from 'fs';
import { createDefaultRegistry, parseReplayCsv, simulateScenario, SCENARIO_NAMES, type SyncForecaster } from '../src';
import { walkForward } from './helpers';
test('figures', () => {
  const reg = createDefaultRegistry();
  const rows: string[] = [];
  const sets: [string, ReturnType<typeof parseReplayCsv>][] = ['ares11-2h', 'ares12-2h', 'homelab-4h'].map((f) => [f, parseReplayCsv(readFileSync(`/work/shared/data/recorded/${f}.csv`, 'utf8'))]);
  for (const s of SCENARIO_NAMES) sets.push([s, simulateScenario(s).measurements]);
  for (const [name, series] of sets) {
    const parts = [name.padEnd(20)];
    for (const model of ['linear', 'kalman', 'hold_last', 'median5']) {
      const r = walkForward(reg.create(model) as SyncForecaster, series);
      parts.push(`${model} ${(r.maeS * 1e3).toFixed(3)}ms max ${(r.maxErrorS * 1e3).toFixed(1)} cov ${r.coverage95.toFixed(2)}`);
    }
    rows.push(parts.join(' | '));
  }
  console.log(rows.join('\n'));
});
