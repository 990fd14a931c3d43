#!/usr/bin/env node
// Writes the training series for the shipped models: synthetic clocks drawn from
// @chronotick/tsfm's seeded simulator (random drift, wander, temperature cycles,
// steps, network noise; polls from 16 s to 1024 s as the daemon's adaptive polling
// makes them; outages of 10-60 min) in the replay CSV format, plus a copy of the
// recorded series.
// Deterministic: the same seed gives the same files. Run after `npx tsc -b packages/tsfm`.
//
// Beside them, in thermal/, series whose host reads its temperature (seeds 2001 and up).
//
//   node scripts/train/export-series.js OUT_DIR [--series N] [--thermal N] [--seed S]
'use strict';
const { mkdirSync, writeFileSync, readdirSync, copyFileSync } = require('fs');
const { join, resolve } = require('path');
const { simulate, writeReplayCsv, SeededRandom } = require('../../packages/tsfm/dist');

function parseArgs(argv) {
  const out = { dir: null, series: 240, thermal: 160, seed: 1000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--series') out.series = Number(argv[++i]);
    else if (a === '--seed') out.seed = Number(argv[++i]);
    else if (a === '--thermal') out.thermal = Number(argv[++i]);
    else if (out.dir === null) out.dir = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (out.dir === null) throw new Error('usage: export-series.js OUT_DIR [--series N] [--thermal N] [--seed S]');
  return out;
}

// Seeds from 1000 up: the evaluation scenarios use seeds 1-10, so they stay unseen.
function randomConfig(rng, seed) {
  const u = (lo, hi) => lo + (hi - lo) * rng.next();
  const pick = (xs) => xs[Math.floor(rng.next() * xs.length)];
  const kind = pick(['drift', 'wander', 'temperature', 'temperature', 'temperature', 'vm', 'steps', 'disciplined']);
  // The daemon polls public servers every 64-1024 s by the clock's stability, local ones every 1-16 s.
  const intervalS = pick([16, 32, 64, 64, 128, 128, 256, 256, 512, 1024]);
  const durationS = 24 * 3600;
  const clock = {
    initialOffsetS: u(-0.05, 0.05),
    offsetDriftPpm: u(-200, 200),
    driftWanderPpmPerSqrtHour: pick([0, 0.02, 0.05, 0.2]),
  };
  if (kind === 'temperature' || rng.next() < 0.25) {
    clock.temperature = { amplitudePpm: u(0.2, 4), periodS: u(1800, 6 * 3600), phaseRad: u(0, 2 * Math.PI) };
  }
  if (kind === 'vm') clock.driftWanderPpmPerSqrtHour = u(0.3, 2);
  if (kind === 'wander') clock.driftWanderPpmPerSqrtHour = u(0.1, 1);
  if (kind === 'steps') {
    clock.steps = [];
    for (let t = u(1800, 14400); t < durationS; t += u(1800, 14400)) clock.steps.push({ atS: t, stepS: u(-0.1, 0.1) });
  }
  if (kind === 'disciplined') {
    clock.offsetDriftPpm = 0;
    clock.offsetWanderSPerSqrtS = u(5e-6, 5e-5);
    clock.disciplineTimeConstantS = u(300, 3000);
  }
  const network = {
    baseDelayS: u(0.001, 0.08),
    queueMeanS: Math.exp(u(Math.log(5e-5), Math.log(5e-3))),
    spikeProbability: u(0, 0.06),
    spikeMinS: u(0.002, 0.02),
    spikeAlpha: u(1.2, 2.5),
    lossProbability: u(0, 0.05),
    fixedAsymmetryS: rng.next() < 0.3 ? u(-0.003, 0.003) : 0,
  };
  // Outages: every server silent for 10-60 min, a few times a day in a third of the series.
  const outages = [];
  if (rng.next() < 0.35) {
    for (let t = u(3600, 14400); t < durationS; t += u(3 * 3600, 10 * 3600)) outages.push({ atS: t, durationS: u(600, 3600) });
  }
  return { seed, durationS, intervalS, clock, network, timestampNoiseS: u(1e-6, 3e-5), server: 'sim.example:123', outages };
}

/**
 * A clock whose host reads its temperature (the \`temperature_c\` column), for the
 * models with a temperature input: a cycle of 0.5-8 h, a slow fluctuation, a linear and
 * a quadratic response, beside wander and the same network and polling as the rest.
 * Drawn from its own generator so the other series stay as they were.
 */
function thermalConfig(rng, seed) {
  const base = randomConfig(rng, seed);
  const u = (lo, hi) => lo + (hi - lo) * rng.next();
  const ppmPerC = u(0.05, 0.6) * (rng.next() < 0.5 ? -1 : 1);
  const amplitudeC = u(0.5, 8);
  base.clock.temperature = {
    amplitudePpm: ppmPerC * amplitudeC,
    periodS: u(1800, 8 * 3600),
    phaseRad: u(0, 2 * Math.PI),
    ppmPerC,
    meanC: u(25, 60),
    noiseC: u(0, 1.5),
    quadraticPpmPerC2: -u(0, 0.04),
  };
  if (base.clock.steps) delete base.clock.steps;
  delete base.clock.disciplineTimeConstantS;
  return base;
}

/** The series without what an outage silenced: no measurement arrives while every server is unreachable. */
function withoutOutages(measurements, outages) {
  if (outages.length === 0) return measurements;
  const t0 = measurements[0]?.tS ?? 0;
  return measurements.filter((m) => !outages.some((o) => m.tS - t0 >= o.atS && m.tS - t0 < o.atS + o.durationS));
}

/** Writes `count` series drawn by `configOf(rng, seed)` into dir/folder as prefix-NNNN.csv, with an index.json. */
function writeSeries(dir, folder, prefix, count, rng, firstSeed, configOf) {
  mkdirSync(join(dir, folder), { recursive: true });
  const index = [];
  for (let k = 0; k < count; k++) {
    const { outages, ...config } = configOf(rng, firstSeed + k);
    const measurements = withoutOutages(simulate(config).measurements, outages);
    const file = `${prefix}-${String(k).padStart(4, '0')}.csv`;
    writeFileSync(join(dir, folder, file), writeReplayCsv(measurements, { includeTrueOffset: true }));
    index.push({ file, config, outages });
  }
  writeFileSync(join(dir, folder, 'index.json'), JSON.stringify(index, null, 1));
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const dir = resolve(args.dir);
  writeSeries(dir, 'synthetic', 'sim', args.series, new SeededRandom(args.seed), args.seed + 1, randomConfig);
  // Seeds from 2000 up for the series with a readable temperature.
  writeSeries(dir, 'thermal', 'thermal', args.thermal, new SeededRandom(args.seed + 1000), args.seed + 1001, thermalConfig);
  mkdirSync(join(dir, 'recorded'), { recursive: true });
  const recordedDir = resolve(__dirname, '../../data/recorded');
  for (const f of readdirSync(recordedDir).filter((f) => f.endsWith('.csv'))) copyFileSync(join(recordedDir, f), join(dir, 'recorded', f));
  process.stdout.write(`wrote ${args.series} synthetic series, ${args.thermal} with a temperature and the recorded ones to ${dir}\n`);
}

main();
