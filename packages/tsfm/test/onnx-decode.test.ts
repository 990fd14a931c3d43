/**
 * @jest-environment ./packages/tsfm/test/onnx-environment.js
 */
import {
  OnnxForecaster,
  SHIPPED_MODELS,
  decodeForecast,
  openModelSession,
  outputRow,
  prepareContext,
  shippedCardPath,
  simulateScenario,
  type ShippedModelName,
} from '../src';
import { decodeOutputRow } from '../src/onnx/decode';

const NAMES = Object.keys(SHIPPED_MODELS) as ShippedModelName[];

// The forecast path decodes straight from the output tensor and prepares in scratch
// arrays (so a forecast leaves next to no garbage for the GC); these pin it to the
// exported, allocating functions it must agree with.
describe('the allocation-free forecast path', () => {
  test.each(NAMES)('%s: forecast equals decodeForecast(outputRow(run(prepareContext)))', async (name) => {
    const model = await openModelSession(shippedCardPath(name), { threads: 1 });
    const f = await OnnxForecaster.load(shippedCardPath(name), { threads: 1 });
    try {
      const { card } = model.loaded;
      const spec = { contextLength: card.context_length, stepS: card.step_s, scaling: card.scaling };
      for (const scenario of ['temperature_cycles', 'steps', 'vm_fast_drift']) {
        const { measurements } = simulateScenario(scenario, { seed: 5 });
        for (const count of [1, 4, 40, measurements.length]) {
          const history = measurements.slice(0, count);
          const lastS = history[history.length - 1]!.tS;
          const targets = [
            lastS - 300,
            lastS,
            lastS + 61,
            lastS + card.horizon * card.step_s * 0.5,
            lastS + 10 * card.horizon * card.step_s,
          ];
          const prep = prepareContext(history, spec);
          const data = await model.run([prep.input], 1);
          const expected = decodeForecast(outputRow(data, card, 0), card, prep, targets);
          expect(decodeOutputRow(data, card, 0, prep, targets)).toEqual(expected);
          expect((await f.forecast(history, targets)).points).toEqual(expected);
        }
      }
    } finally {
      await f.release();
      await model.session.release();
    }
  });

  test('a prepared context is not disturbed by the next preparation', () => {
    const { measurements } = simulateScenario('steps', { seed: 2 });
    const spec = {
      contextLength: 64,
      stepS: 60,
      scaling: { detrend: 'resistant_line', scale: 'residual_mad', clip: 20, missing: 'nan' },
    } as const;
    const first = prepareContext(measurements.slice(0, 30), spec);
    const copy = { ...first, input: Float32Array.from(first.input) };
    prepareContext(measurements, spec);
    prepareContext(measurements.slice(0, 3), { ...spec, contextLength: 512 });
    expect(first).toEqual(copy);
  });

  test('a non-finite output value and a NaN target are typed errors', async () => {
    const model = await openModelSession(shippedCardPath('chronotick-short'), { threads: 1 });
    try {
      const { card } = model.loaded;
      const history = simulateScenario('quartz_drift', { seed: 1 }).measurements.slice(0, 50);
      const prep = prepareContext(history, { contextLength: card.context_length, stepS: card.step_s, scaling: card.scaling });
      const data = Float32Array.from(await model.run([prep.input], 1));
      expect(() => decodeOutputRow(data, card, 0, prep, [Number.NaN])).toThrow(expect.objectContaining({ code: 'TSFM_BAD_OPTIONS' }));
      data[5] = Number.NaN;
      expect(() => decodeOutputRow(data, card, 0, prep, [prep.endTimeS])).toThrow(
        expect.objectContaining({ code: 'TSFM_INFERENCE_FAILED' }),
      );
    } finally {
      await model.session.release();
    }
  });
});
