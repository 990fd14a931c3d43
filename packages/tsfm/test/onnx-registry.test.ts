/**
 * @jest-environment ./packages/tsfm/test/onnx-environment.js
 */
import { readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { OnnxForecaster, UnknownForecasterError, createModelRegistry, type Forecaster } from '../src';
import { copyShippedModels } from './onnx-support';

async function release(f: Forecaster): Promise<void> {
  if (f instanceof OnnxForecaster) await f.release();
}

describe('registry with the shipped ONNX models', () => {
  test('the config names (chronotick-short, chronotick-long) load by name; one session per model', async () => {
    const registry = createModelRegistry();
    expect(registry.names()).toEqual([
      'chronotick_long',
      'chronotick_short',
      'chronotick_thermal',
      'hold_last',
      'kalman',
      'linear',
      'median5',
      'residual_ar',
    ]);
    expect(registry.needsLoading('chronotick-short')).toBe(true);
    expect(() => registry.create('chronotick-short')).toThrow(expect.objectContaining({ code: 'TSFM_MODEL_NOT_LOADED' }));
    const a = await registry.load('chronotick-short', { options: { threads: 1 } });
    const b = await registry.load('chronotick_short');
    expect(a).toBe(b);
    expect(a).toBeInstanceOf(OnnxForecaster);
    expect(a.name).toBe('chronotick_short');
    // Statistical models load too, built at once.
    expect((await registry.load('kalman')).mode).toBe('sync');
    await release(a);
  });

  test('an unknown name is a configuration error and never falls back', async () => {
    await expect(createModelRegistry().load('chronos-bolt', { fallback: 'linear' })).rejects.toBeInstanceOf(UnknownForecasterError);
  });
});

describe('fallback to a statistical model happens only when asked', () => {
  let scratch: ReturnType<typeof copyShippedModels>;
  beforeEach(() => {
    scratch = copyShippedModels();
  });
  afterEach(() => scratch.cleanup());

  test('a corrupt model with fallback linear: the linear fit, and the log says why', async () => {
    const model = join(scratch.dir, 'chronotick-short.onnx');
    const bytes = readFileSync(model);
    bytes[100] = (bytes[100] as number) ^ 0x55;
    writeFileSync(model, bytes);
    const logs: string[] = [];
    const f = await createModelRegistry({ modelsDir: scratch.dir }).load('chronotick-short', {
      fallback: 'linear',
      log: (m) => logs.push(m),
    });
    expect(f.name).toBe('linear');
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('TSFM_MODEL_CHECKSUM');
    expect(logs[0]).toContain(model);
    expect(logs[0]).toContain('linear');
  });

  test('the same damage without fallback (the default): the typed error', async () => {
    rmSync(join(scratch.dir, 'chronotick-long.onnx'));
    const registry = createModelRegistry({ modelsDir: scratch.dir });
    await expect(registry.load('chronotick-long')).rejects.toMatchObject({
      code: 'TSFM_MODEL_MISSING',
      path: join(scratch.dir, 'chronotick-long.onnx'),
    });
    await expect(registry.load('chronotick-long', { fallback: null })).rejects.toMatchObject({ code: 'TSFM_MODEL_MISSING' });
  });

  test('a failed load is not remembered: a repaired file loads on the next try', async () => {
    const model = join(scratch.dir, 'chronotick-short.onnx');
    const good = readFileSync(model);
    writeFileSync(model, 'broken');
    const registry = createModelRegistry({ modelsDir: scratch.dir });
    await expect(registry.load('chronotick-short')).rejects.toMatchObject({ code: 'TSFM_MODEL_CHECKSUM' });
    writeFileSync(model, good);
    const f = await registry.load('chronotick-short');
    expect(f.name).toBe('chronotick_short');
    await release(f);
  });

  test('an intact model never falls back', async () => {
    const logs: string[] = [];
    const f = await createModelRegistry({ modelsDir: scratch.dir }).load('chronotick-short', {
      fallback: 'kalman',
      log: (m) => logs.push(m),
    });
    expect(f.name).toBe('chronotick_short');
    expect(logs).toEqual([]);
    await release(f);
  });
});
