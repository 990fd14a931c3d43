/**
 * @jest-environment ./packages/tsfm/test/onnx-environment.js
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { OnnxForecaster, covariateGrid, shippedCardPath, simulate, validateModelCard, type Measurement } from '../src';
import { resealCard } from './onnx-support';

const golden = JSON.parse(readFileSync(join(__dirname, 'fixtures/prepare-golden.json'), 'utf8')) as {
  times_s: number[];
  temperatures_c: (number | null)[];
  covariate_cases: { context: number; step_s: number; scale: number; grid: number[] }[];
};

const TEMPERATURE = { name: 'temperature_c', scale: 1 };

/** Measurements every `everyS` from t = 0, each with the reading `read(t)` (undefined: none). */
function readings(count: number, everyS: number, read: (tS: number) => number | undefined): Measurement[] {
  return Array.from({ length: count }, (_, i) => {
    const tS = i * everyS + 1;
    const value = read(tS);
    return { tS, offsetS: 0, delayS: null, ...(value === undefined ? {} : { covariates: { temperature_c: value } }) };
  });
}

describe('a covariate on the context grid', () => {
  const history: Measurement[] = golden.times_s.map((tS, i) => {
    const t = golden.temperatures_c[i];
    return { tS, offsetS: 0, delayS: null, ...(t === null || t === undefined ? {} : { covariates: { temperature_c: t } }) };
  });

  test.each(golden.covariate_cases.map((c) => [`${c.context} cells of ${c.step_s} s, scale ${c.scale}`, c] as const))(
    'matches the training script (scripts/train/prep.py covariate_grid): %s',
    (_label, c) => {
      const grid = covariateGrid(history, { name: 'temperature_c', scale: c.scale }, c.context, c.step_s);
      expect(Array.from(grid)).toEqual(c.grid.map((v) => expect.closeTo(v, 5)));
    },
  );

  test('is relative to the newest reading, interpolated between readings and held beyond them', () => {
    // Cells of 60 s; readings in cells 0, 2 and 4 (20, 22, 26 °C), none after.
    const h = readings(8, 60, (t) => ({ 1: 20, 121: 22, 241: 26 })[t]);
    const grid = covariateGrid(h, { name: 'temperature_c', scale: 2 }, 10, 60);
    // Slot 9 is the newest measurement's cell (7); cells 0..7 sit in slots 2..9.
    expect(Array.from(grid)).toEqual([-3, -3, -3, -2.5, -2, -1, 0, 0, 0, 0]);
  });

  test('is all zeros where no measurement carries the covariate (a host without the sensor)', () => {
    const grid = covariateGrid(
      readings(20, 30, () => undefined),
      TEMPERATURE,
      16,
      60,
    );
    expect(Array.from(grid)).toEqual(new Array(16).fill(0));
  });
});

describe('model cards with covariate inputs', () => {
  const base = (): Record<string, unknown> & { inputs: Record<string, unknown>[] } =>
    JSON.parse(readFileSync(shippedCardPath('chronotick-thermal'), 'utf8')) as Record<string, unknown> & {
      inputs: Record<string, unknown>[];
    };

  test('the shipped thermal card declares its temperature input', () => {
    const { card } = validateModelCard(base(), '/x/card.json');
    expect(card.covariates).toEqual([{ name: 'temperature_c', input: 'temperature', scale: 1 }]);
    expect(card.inputs.map((t) => t.name)).toEqual(['context', 'temperature']);
  });

  const problems: [string, (c: ReturnType<typeof base>) => void, string][] = [
    ['a covariate without its input', (c) => (c.inputs = c.inputs.slice(0, 1)), 'inputs'],
    ['an input name other than the covariate says', (c) => (c.inputs[1]!.name = 'temp'), 'inputs[1].name'],
    ['a covariate input shaped unlike the context', (c) => (c.inputs[1]!.shape = ['batch', 12]), 'inputs[1].shape'],
    ['a zero scale', (c) => ((c.covariates as Record<string, unknown>[])[0]!.scale = 0), 'covariates[0].scale'],
    ['a covariate without a name', (c) => ((c.covariates as Record<string, unknown>[])[0]!.name = ''), 'covariates[0].name'],
    ['covariates that is not a list', (c) => (c.covariates = { temperature_c: 'temperature' }), 'covariates'],
    [
      "a covariate fed through the context's input",
      (c) => {
        (c.covariates as Record<string, unknown>[])[0]!.input = 'context';
        c.inputs[1]!.name = 'context';
      },
      'covariates[0].input',
    ],
  ];
  test.each(problems)('refuses %s, naming the field', (_label, damage, field) => {
    const c = base();
    damage(c);
    expect(() => validateModelCard(c, '/x/card.json')).toThrow(
      expect.objectContaining({ code: 'TSFM_CARD_INVALID', message: expect.stringContaining(`"${field}"`) }),
    );
  });

  test('a card declaring a covariate the graph has no input for: TSFM_MODEL_SIGNATURE at load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chronotick-covariate-card-'));
    try {
      // The short model's graph (one input) under a card that adds a temperature input.
      copyFileSync(join(__dirname, '../models/chronotick-short.onnx'), join(dir, 'm.onnx'));
      const raw = JSON.parse(readFileSync(shippedCardPath('chronotick-short'), 'utf8')) as Record<string, unknown> & {
        inputs: Record<string, unknown>[];
      };
      raw.file = 'm.onnx';
      raw.inputs.push({ ...raw.inputs[0], name: 'temperature' });
      raw.covariates = [{ name: 'temperature_c', input: 'temperature', scale: 1 }];
      writeFileSync(join(dir, 'm.card.json'), JSON.stringify(raw));
      resealCard(join(dir, 'm.card.json'), join(dir, 'm.onnx'));
      await expect(OnnxForecaster.load(join(dir, 'm.card.json'))).rejects.toMatchObject({ code: 'TSFM_MODEL_SIGNATURE' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the shipped thermal model reads the temperature', () => {
  let model: OnnxForecaster;
  beforeAll(async () => {
    model = await OnnxForecaster.load(shippedCardPath('chronotick-thermal'), { threads: 1 });
  });
  afterAll(() => model.release());

  /** A clock whose frequency follows a readable temperature, polled every 64 s. */
  const series = simulate({
    seed: 31,
    durationS: 6 * 3600,
    intervalS: 64,
    clock: {
      initialOffsetS: 0.001,
      offsetDriftPpm: 12,
      temperature: { amplitudePpm: 1.6, periodS: 7200, ppmPerC: 0.4, meanC: 40, noiseC: 0.5 },
    },
    network: { baseDelayS: 0.01, queueMeanS: 1e-4 },
  }).measurements;

  test('its forecast moves with the temperature history, and without one it still forecasts', async () => {
    const history = series.slice(0, 250);
    const lastS = history[history.length - 1]!.tS;
    const targets = [lastS + 60, lastS + 600, lastS + 1800];
    const withTemperature = await model.forecast(history, targets);
    expect(model.prepare(history).covariates?.[0]?.some((v) => v !== 0)).toBe(true);
    const flipped = history.map((m) => ({ ...m, covariates: { temperature_c: 80 - m.covariates!.temperature_c! } }));
    const withFlipped = await model.forecast(flipped, targets);
    const bare = history.map(({ covariates: _covariates, ...m }) => m);
    const without = await model.forecast(bare, targets);
    expect(model.prepare(bare).covariates?.[0]).toEqual(new Float32Array(128));
    for (const f of [withTemperature, withFlipped, without]) {
      expect(f.points).toHaveLength(3);
      for (const p of f.points) expect(Number.isFinite(p.meanS) && p.sigmaS > 0).toBe(true);
    }
    // The same offsets, a temperature running the other way: a different forecast.
    const moved = withTemperature.points.map((p, i) => Math.abs(p.meanS - withFlipped.points[i]!.meanS));
    expect(Math.max(...moved)).toBeGreaterThan(1e-6);
  });
});
