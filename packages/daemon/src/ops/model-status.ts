import type { DaemonStatusAnswer, ModelStatusSchema, TimeAnswer } from '@chronotick/protocol';
import type { z } from 'zod';
import { STATISTICAL, type Predictors } from '../engine/predictors';
import type { TimePipeline } from '../engine/time-pipeline';
import type { ModelSlot } from '../runtime/model-scheduler';

type ModelStatus = z.infer<typeof ModelStatusSchema>;

/**
 * Every predictor as `get_daemon_status` lists it: the two model slots (loaded, last
 * run, why not) and the statistical predictors, each with its calibrated error and
 * its weight in the last fusion.
 */
export function modelStatuses(slots: readonly ModelSlot[], predictors: Predictors): ModelStatus[] {
  const errorsS = predictors.calibratedErrorsS();
  const weights = predictors.weights();
  const models = slots.map((slot) => ({
    role: slot.role,
    name: slot.name,
    enabled: slot.enabled,
    loaded: slot.forecaster !== undefined,
    last_inference_time: slot.lastInferenceS,
    calibrated_error_s: errorsS[slot.role] ?? null,
    weight: weights[slot.role] ?? 0,
    problem: slot.problem,
  }));
  const statistical = STATISTICAL.map((name) => ({
    role: 'statistical' as const,
    name,
    enabled: true,
    loaded: true,
    last_inference_time: null,
    calibrated_error_s: errorsS[name] ?? null,
    weight: weights[name] ?? 0,
  }));
  return [...models, ...statistical];
}

/** Every predictor's weight, keyed as fusion knows it: a model by its role, a statistical one by its name. */
export function predictorWeights(slots: readonly ModelSlot[], predictors: Predictors): Record<string, number> {
  return Object.fromEntries(modelStatuses(slots, predictors).map((m) => [m.role === 'statistical' ? m.name : m.role, m.weight]));
}

/** The status's `record`: achieved coverage beside the claimed, and the hard bound's width now. */
export function recordOf(pipeline: TimePipeline, now: TimeAnswer): NonNullable<DaemonStatusAnswer['record']> {
  const r = pipeline.calibration.record(now.system_time);
  return {
    claimed_coverage: 0.95,
    scored: r.scored,
    served: { hour: r.coverage95Hour, day: r.coverage95Day, drift_day: r.driftCoverage95Day, projected_day: r.projectedCoverage95Day },
    predictors: Object.fromEntries(
      Object.entries(r.predictors).map(([name, c]) => [name, { hour: c.coverage95Hour, day: c.coverage95Day }]),
    ),
    hard_bound_width_s: now.hard_earliest === null || now.hard_latest === null ? null : now.hard_latest - now.hard_earliest,
  };
}
