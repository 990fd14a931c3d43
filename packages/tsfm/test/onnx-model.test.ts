/**
 * @jest-environment ./packages/tsfm/test/onnx-environment.js
 */
import { readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { ModelFileError, OnnxForecaster, SHIPPED_MODELS, shippedCardPath, simulateScenario, type ShippedModelName } from '../src';
import { copyShippedModels, resealCard } from './onnx-support';

const NAMES = Object.keys(SHIPPED_MODELS) as ShippedModelName[];

async function loadError(cardPath: string): Promise<ModelFileError> {
  try {
    await OnnxForecaster.load(cardPath);
  } catch (err) {
    expect(err).toBeInstanceOf(ModelFileError);
    return err as ModelFileError;
  }
  throw new Error(`loading ${cardPath} did not fail`);
}

describe('shipped ONNX models', () => {
  test.each(NAMES)('%s loads, is small, and forecasts finite, ordered quantiles', async (name) => {
    const f = await OnnxForecaster.load(shippedCardPath(name), { threads: 1 });
    try {
      expect(f.name).toBe(name.replace('-', '_'));
      expect(f.mode).toBe('async');
      expect(readFileSync(f.modelPath).length).toBeLessThan(4 * 1024 * 1024);
      const { measurements } = simulateScenario('temperature_cycles', { seed: 3 });
      const history = measurements.slice(0, 150);
      const lastS = history[history.length - 1]!.tS;
      const targets = [lastS + 30, lastS + 64, lastS + 600, lastS + 10 * f.card.horizon * f.card.step_s];
      const fc = await f.forecast(history, targets);
      expect(fc.model).toBe(f.name);
      expect(fc.points.map((p) => p.tS)).toEqual(targets);
      for (const p of fc.points) {
        expect(Number.isFinite(p.meanS)).toBe(true);
        expect(p.sigmaS).toBeGreaterThan(0);
        const q = p.quantiles!.map((x) => x.valueS);
        expect(q).toEqual([...q].sort((a, b) => a - b));
        expect(p.quantiles!.map((x) => x.level)).toEqual(f.card.quantile_levels);
      }
      // The offset is within a few ms of the truth one minute ahead (the clock drifts 8 ppm).
      expect(Math.abs(fc.points[1]!.meanS - measurements[150]!.trueOffsetS!)).toBeLessThan(0.005);
      expect(fc.drift!.rateSPerS).toBeCloseTo(-8e-6, 5);
      // Beyond the horizon σ keeps growing.
      expect(fc.points[3]!.sigmaS).toBeGreaterThan(fc.points[2]!.sigmaS);
      // A batch answers exactly as single calls do.
      const batch = await f.forecastBatch([
        { history, targetTimesS: targets },
        { history: history.slice(0, 20), targetTimesS: [lastS] },
      ]);
      expect(batch[0]).toEqual(fc);
      expect(batch[1]!.points[0]!.sigmaS).toBeGreaterThan(0);
      // One measurement is enough to answer (warm-up), never NaN.
      const one = await f.forecast(history.slice(0, 1), [history[0]!.tS + 60]);
      expect(Number.isFinite(one.points[0]!.meanS)).toBe(true);
    } finally {
      await f.release();
    }
  });

  test('an empty history is a typed error', async () => {
    const f = await OnnxForecaster.load(shippedCardPath('chronotick-short'));
    await expect(f.forecast([], [1])).rejects.toMatchObject({ code: 'TSFM_INSUFFICIENT_HISTORY' });
    await f.release();
  });
});

describe('damaged model files give typed errors naming the file, never a crash', () => {
  let scratch: ReturnType<typeof copyShippedModels>;
  beforeEach(() => {
    scratch = copyShippedModels();
  });
  afterEach(() => scratch.cleanup());

  const card = (): string => join(scratch.dir, 'chronotick-short.card.json');
  const model = (): string => join(scratch.dir, 'chronotick-short.onnx');

  test('the intact copy loads', async () => {
    await (await OnnxForecaster.load(card())).release();
  });

  test('one flipped byte: TSFM_MODEL_CHECKSUM', async () => {
    const bytes = readFileSync(model());
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0xff;
    writeFileSync(model(), bytes);
    const err = await loadError(card());
    expect(err.code).toBe('TSFM_MODEL_CHECKSUM');
    expect(err.path).toBe(model());
    expect(err.message).toContain(model());
    expect(err.hint).toContain('sha256sum');
  });

  test('a truncated file whose card was updated to match: TSFM_MODEL_CORRUPT from onnxruntime', async () => {
    writeFileSync(model(), readFileSync(model()).subarray(0, 1000));
    resealCard(card(), model());
    const err = await loadError(card());
    expect(err.code).toBe('TSFM_MODEL_CORRUPT');
    expect(err.path).toBe(model());
  });

  test('garbage in place of the model: TSFM_MODEL_CORRUPT', async () => {
    writeFileSync(model(), 'this is not a protobuf');
    resealCard(card(), model());
    expect((await loadError(card())).code).toBe('TSFM_MODEL_CORRUPT');
  });

  test('the model file missing: TSFM_MODEL_MISSING naming it', async () => {
    rmSync(model());
    const err = await loadError(card());
    expect(err.code).toBe('TSFM_MODEL_MISSING');
    expect(err.path).toBe(model());
  });

  test('the card missing or not JSON', async () => {
    writeFileSync(card(), '{ "card_version": 1,');
    expect((await loadError(card())).code).toBe('TSFM_CARD_INVALID');
    rmSync(card());
    const err = await loadError(card());
    expect(err.code).toBe('TSFM_MODEL_MISSING');
    expect(err.path).toBe(card());
  });

  test("a card whose input name is not the graph's: TSFM_MODEL_SIGNATURE", async () => {
    const raw = JSON.parse(readFileSync(card(), 'utf8')) as { inputs: { name: string }[] };
    raw.inputs[0]!.name = 'past_values';
    writeFileSync(card(), JSON.stringify(raw));
    expect((await loadError(card())).code).toBe('TSFM_MODEL_SIGNATURE');
  });

  test('a card whose horizon disagrees with the graph: TSFM_MODEL_SIGNATURE at the warm-up run', async () => {
    const raw = JSON.parse(readFileSync(card(), 'utf8')) as Record<string, unknown> & { outputs: { shape: unknown[] }[] };
    raw.horizon = (raw.horizon as number) + 1;
    raw.outputs[0]!.shape = ['batch', 3, raw.horizon];
    writeFileSync(card(), JSON.stringify(raw));
    expect((await loadError(card())).code).toBe('TSFM_MODEL_SIGNATURE');
  });
});
