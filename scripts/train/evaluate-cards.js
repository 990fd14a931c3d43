#!/usr/bin/env node
// Fills the "evaluation" of each shipped model card with replay figures from
// chronotick-eval's code (packages/daemon/dist/eval): the recorded series and four
// synthetic scenarios (seed 1, never used in training), and for the model with a
// temperature input a clock whose host reads its temperature. Writes only the cards'
// "evaluation" field; the sha256 is of the .onnx file and does not change.
//   node scripts/train/evaluate-cards.js packages/tsfm/models
'use strict';
const { readFileSync, readdirSync, writeFileSync } = require('fs');
const { join, resolve } = require('path');
const { simulate, simulateScenario, parseReplayCsv } = require('../../packages/tsfm/dist');
const { evaluateSeries } = require('../../packages/daemon/dist/eval');

const SCENARIOS = ['quartz_drift', 'temperature_cycles', 'vm_fast_drift', 'steps'];
const MODELS = ['chronotick-short', 'chronotick-long', 'chronotick-thermal'];

/** A 24 h clock whose host reads its temperature (a 3 h cycle, 0.3 ppm/°C, a slow fluctuation), polled every 64 s; seed 1. */
function thermalClock() {
  return simulate({
    seed: 1,
    durationS: 24 * 3600,
    intervalS: 64,
    clock: {
      initialOffsetS: 0.004,
      offsetDriftPpm: -8,
      driftWanderPpmPerSqrtHour: 0.02,
      temperature: { amplitudePpm: 1.2, periodS: 3 * 3600, ppmPerC: 0.3, meanC: 40, noiseC: 0.8, quadraticPpmPerC2: -0.02 },
    },
    network: { baseDelayS: 0.02, queueMeanS: 5e-4, spikeProbability: 0.02, spikeMinS: 0.005, spikeAlpha: 1.5 },
  }).measurements;
}
const round = (v) => (v === null ? null : Number(v.toPrecision(4)));

async function main() {
  const dir = resolve(process.argv[2] ?? 'packages/tsfm/models');
  const recordedDir = resolve(__dirname, '../../data/recorded');
  const series = {};
  for (const f of readdirSync(recordedDir)
    .filter((f) => f.endsWith('.csv'))
    .sort())
    series[`recorded/${f}`] = parseReplayCsv(readFileSync(join(recordedDir, f), 'utf8'));
  for (const s of SCENARIOS) series[`synthetic/${s} (seed 1)`] = simulateScenario(s, { seed: 1 }).measurements;
  series['synthetic/thermal clock, temperature read (seed 1)'] = thermalClock();
  const configs = {
    default: {
      short_term: { enabled: true, model_name: 'chronotick-short', threads: 1 },
      long_term: { enabled: true, model_name: 'chronotick-long', threads: 1 },
    },
    // residual_ar beside it: the online model that reads the same temperature.
    thermal: {
      short_term: { enabled: true, model_name: 'chronotick-thermal', threads: 1 },
      long_term: { enabled: true, model_name: 'residual_ar', threads: 1 },
    },
  };
  const resultsBy = {};
  for (const [c, config] of Object.entries(configs)) {
    resultsBy[c] = {};
    for (const [name, s] of Object.entries(series)) resultsBy[c][name] = await evaluateSeries(s, config);
  }
  for (const model of MODELS) {
    const key = model.replace('-', '_');
    const results = resultsBy[model === 'chronotick-thermal' ? 'thermal' : 'default'];
    const cardPath = join(dir, `${model}.card.json`);
    const card = JSON.parse(readFileSync(cardPath, 'utf8'));
    const figures = {};
    for (const [name, r] of Object.entries(results)) {
      const m = r.methods[key];
      figures[name] = {
        points: r.points,
        mae_s: round(m.mae_s),
        rmse_s: round(m.rmse_s),
        p95_s: round(m.p95_s),
        coverage_95: round(m.coverage_95),
        linear_mae_s: round(r.methods.linear.mae_s),
        kalman_mae_s: round(r.methods.kalman.mae_s),
        system_mae_s: round(r.methods.system.mae_s),
        ...(r.methods.residual_ar ? { residual_ar_mae_s: round(r.methods.residual_ar.mae_s) } : {}),
      };
    }
    card.evaluation = {
      tool: 'chronotick-eval (scripts/train/evaluate-cards.js)',
      method: 'each measurement after the first 8 predicted from those before it; error against true_offset_s when known, else offset_s',
      figures,
    };
    writeFileSync(cardPath, JSON.stringify(card, null, 2) + '\n');
    process.stdout.write(`${model}: evaluation written to ${cardPath}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exitCode = 1;
});
