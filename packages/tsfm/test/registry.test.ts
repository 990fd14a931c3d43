import {
  ForecasterRegistry,
  STATISTICAL_MODELS,
  UnknownForecasterError,
  createDefaultRegistry,
  normalQuantile,
  runForecast,
  gaussianQuantiles,
  type AsyncForecaster,
} from '../src';

describe('forecaster registry', () => {
  test('creates every statistical model by name', () => {
    const registry = createDefaultRegistry();
    expect(registry.names()).toEqual([...STATISTICAL_MODELS].sort());
    const history = [0, 1, 2, 3].map((i) => ({ tS: 1000 + i * 60, offsetS: 0.001 * i, delayS: null }));
    for (const name of STATISTICAL_MODELS) {
      const f = registry.create(name);
      expect(f.name).toBe(name);
      expect(f.mode).toBe('sync');
    }
    expect(registry.create('hold_last').forecast(history, [1300])).toMatchObject({
      model: 'hold_last',
      drift: null,
      points: [{ tS: 1300, meanS: 0.003 }],
    });
    const median5 = registry.create('median5');
    if (median5.mode !== 'sync') throw new Error('median5 is a sync forecaster');
    expect(median5.forecast(history, [1300]).points[0]!.meanS).toBeCloseTo(0.0015, 12);
  });

  test('an unknown name is a typed error listing the known names', () => {
    const registry = createDefaultRegistry();
    let caught: unknown;
    try {
      registry.create('chronos_bolt');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UnknownForecasterError);
    const err = caught as UnknownForecasterError;
    expect(err.code).toBe('TSFM_UNKNOWN_MODEL');
    expect(err.known).toEqual(registry.names());
    expect(err.message).toContain('kalman');
    expect(err.hint).toContain('model_name');
  });

  test('registers more models (an async one, as ONNX models will be); duplicates and bad names refused', async () => {
    const registry = createDefaultRegistry();
    const fake: AsyncForecaster = {
      name: 'fake_onnx',
      mode: 'async',
      forecast: async (_history, times) => ({ model: 'fake_onnx', drift: null, points: times.map((tS) => ({ tS, meanS: 0, sigmaS: 1 })) }),
    };
    registry.register('fake_onnx', () => fake);
    const f = await runForecast(registry.create('fake_onnx'), [], [5]);
    expect(f.points).toEqual([{ tS: 5, meanS: 0, sigmaS: 1 }]);
    expect(() => registry.register('linear', () => fake)).toThrow(expect.objectContaining({ code: 'TSFM_DUPLICATE_MODEL' }));
    expect(() => registry.register('Bad-Name', () => fake)).toThrow(expect.objectContaining({ code: 'TSFM_BAD_OPTIONS' }));
    registry.register('linear', () => fake, { replace: true });
    expect(registry.create('linear').name).toBe('fake_onnx');
    expect(new ForecasterRegistry().names()).toEqual([]);
  });

  test('runForecast awaits sync forecasters alike', async () => {
    const f = await runForecast(createDefaultRegistry().create('linear'), [{ tS: 1, offsetS: 0.5, delayS: null }], [2]);
    expect(f.points[0]!.meanS).toBe(0.5);
  });

  test('normal quantiles', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    expect(gaussianQuantiles(1, 2, [0.1, 0.9]).map((q) => q.valueS)).toEqual([
      expect.closeTo(1 - 2 * 1.281552, 5),
      expect.closeTo(1 + 2 * 1.281552, 5),
    ]);
    expect(() => normalQuantile(1)).toThrow(expect.objectContaining({ code: 'TSFM_BAD_OPTIONS' }));
  });
});
