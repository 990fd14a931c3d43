/**
 * @jest-environment ./packages/tsfm/test/onnx-environment.js
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import {
  OnnxForecaster,
  SHIPPED_MODELS,
  createDefaultRegistry,
  readModelCard,
  registerOnnxCard,
  shippedCardPath,
  validateModelCard,
  type ShippedModelName,
} from '../src';
import { resealCard } from './onnx-support';

const MODELS_DIR = join(__dirname, '../models');
const FIXTURES = join(__dirname, 'fixtures');

describe('model cards', () => {
  test.each(Object.keys(SHIPPED_MODELS) as ShippedModelName[])('the shipped card of %s is valid and complete', (name) => {
    const { card, modelPath } = readModelCard(shippedCardPath(name));
    expect(card.name).toBe(name);
    expect(modelPath).toBe(join(MODELS_DIR, `${name}.onnx`));
    expect(card.quantile_levels).toEqual([0.1, 0.5, 0.9]);
    expect(card.scaling.detrend).toBe('resistant_line');
    // What it was trained on and how it scored are part of the card.
    expect(card.training).toEqual(expect.objectContaining({ script: 'scripts/train/train.sh' }));
    expect(card.evaluation).toEqual(expect.objectContaining({ tool: expect.stringContaining('chronotick-eval') }));
  });

  const base = (): Record<string, unknown> =>
    JSON.parse(readFileSync(shippedCardPath('chronotick-short'), 'utf8')) as Record<string, unknown>;
  const problems: [string, (c: Record<string, unknown>) => void, string][] = [
    ['wrong version', (c) => (c.card_version = 2), 'card_version'],
    ['upper-case name', (c) => (c.name = 'Chronos'), 'name'],
    ['short sha256', (c) => (c.sha256 = 'abc'), 'sha256'],
    ['zero step', (c) => (c.step_s = 0), 'step_s'],
    ['unsorted levels', (c) => (c.quantile_levels = [0.9, 0.1, 0.5]), 'quantile_levels'],
    ['two inputs', (c) => (c.inputs = [...(c.inputs as unknown[]), ...(c.inputs as unknown[])]), 'inputs'],
    ['input length ≠ context_length', (c) => (c.context_length = 7), 'inputs[0].shape'],
    ['output shape ≠ levels × horizon', (c) => (c.quantile_levels = [0.25, 0.75]), 'outputs[0].shape'],
    ['unknown layout', (c) => ((c.outputs as Record<string, unknown>[])[0]!.layout = 'quantiles'), 'outputs[0].layout'],
    ['unknown detrend', (c) => ((c.scaling as Record<string, unknown>).detrend = 'loess'), 'scaling.detrend'],
    ['float64 input', (c) => ((c.inputs as Record<string, unknown>[])[0]!.dtype = 'float64'), 'inputs[0].dtype'],
  ];
  test.each(problems)('refuses %s, naming the field', (_label, damage, field) => {
    const c = base();
    damage(c);
    expect(() => validateModelCard(c, '/x/card.json')).toThrow(
      expect.objectContaining({ code: 'TSFM_CARD_INVALID', path: '/x/card.json', message: expect.stringContaining(`"${field}"`) }),
    );
  });
});

describe('bring your own foundation model through a card (interface test, not accuracy)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chronotick-byo-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Fill in the shipped template card as a user would, for a stand-in ONNX file of the same signature. */
  function fillTemplate(template: string, fixture: string, modelFile: string): string {
    copyFileSync(join(FIXTURES, fixture), join(dir, modelFile));
    const cardPath = join(dir, template);
    copyFileSync(join(MODELS_DIR, 'byo', template), cardPath);
    resealCard(cardPath, join(dir, modelFile));
    return cardPath;
  }

  test('Chronos-Bolt signature: context [batch, 512] → quantile_preds [batch, 9, 64], registered by name', async () => {
    const cardPath = fillTemplate('chronos-bolt.card.json', 'chronos-bolt-signature.onnx', 'chronos-bolt-small.onnx');
    const registry = registerOnnxCard(createDefaultRegistry(), 'chronos-bolt-small', cardPath);
    const f = (await registry.load('chronos-bolt-small', { options: { threads: 1 } })) as OnnxForecaster;
    try {
      expect(f.name).toBe('chronos_bolt_small');
      expect(f.card.horizon).toBe(64);
      const history = Array.from({ length: 30 }, (_, i) => ({ tS: 1e9 + i * 60, offsetS: 0.01 + (i === 29 ? 0.002 : 0), delayS: null }));
      const fc = await f.forecast(history, [1e9 + 29 * 60 + 60, 1e9 + 29 * 60 + 64 * 60 * 4]);
      // The stand-in holds the last cell flat with quantiles ±0.4·4 ms around it: the runner
      // must pass raw offsets (scaling none), read the [B, Q, H] layout and map levels right.
      expect(fc.points[0]!.meanS).toBeCloseTo(0.012, 6);
      expect(fc.points[0]!.quantiles!.map((q) => q.level)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
      expect(fc.points[0]!.quantiles![0]!.valueS).toBeCloseTo(0.012 - 0.0016, 6);
      expect(fc.points[0]!.sigmaS).toBeCloseTo(0.0032 / (2 * 1.2815516), 6);
      expect(fc.points[1]!.sigmaS).toBeCloseTo(fc.points[0]!.sigmaS * 2, 6);
      expect(fc.drift).toBeNull();
    } finally {
      await f.release();
    }
  });

  test('the card path itself works as a model name (model_name: /path/to/card.json)', async () => {
    const cardPath = fillTemplate('chronos-bolt.card.json', 'chronos-bolt-signature.onnx', 'chronos-bolt-small.onnx');
    const f = await createDefaultRegistry().load(cardPath);
    expect(f.name).toBe('chronos_bolt_small');
    await (f as OnnxForecaster).release();
  });

  test('TTM signature: past_values [batch, 512, 1] → a point forecast [batch, 96, 1]', async () => {
    const cardPath = fillTemplate('ttm.card.json', 'ttm-signature.onnx', 'ttm.onnx');
    const f = await OnnxForecaster.load(cardPath);
    try {
      const history = Array.from({ length: 40 }, (_, i) => ({ tS: 2e9 + i * 60, offsetS: -0.003 + 1e-4 * Math.sin(i), delayS: null }));
      const fc = await f.forecast(history, [2e9 + 40 * 60]);
      expect(fc.points[0]!.meanS).toBeCloseTo(history[39]!.offsetS, 6);
      expect(fc.points[0]!.quantiles).toBeUndefined();
      // A point model has no spread of its own: σ is the context's residual scatter.
      expect(fc.points[0]!.sigmaS).toBeGreaterThan(1e-5);
      expect(fc.points[0]!.sigmaS).toBeLessThan(2e-4);
    } finally {
      await f.release();
    }
  });

  test('a template left unfilled is refused with the checksum error and the file named', async () => {
    copyFileSync(join(FIXTURES, 'chronos-bolt-signature.onnx'), join(dir, 'chronos-bolt-small.onnx'));
    copyFileSync(join(MODELS_DIR, 'byo', 'chronos-bolt.card.json'), join(dir, 'card.json'));
    await expect(OnnxForecaster.load(join(dir, 'card.json'))).rejects.toMatchObject({
      code: 'TSFM_MODEL_CHECKSUM',
      path: join(dir, 'chronos-bolt-small.onnx'),
    });
    writeFileSync(join(dir, 'card.json'), '[]');
    await expect(OnnxForecaster.load(join(dir, 'card.json'))).rejects.toMatchObject({ code: 'TSFM_CARD_INVALID' });
  });
});
