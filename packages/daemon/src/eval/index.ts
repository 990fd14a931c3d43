// The replay evaluation behind chronotick-eval, usable from tests and the bench.
export { EVAL_USAGE, EvalUsageError, parseEvalArgs, type EvalArgs } from './args';
export { ErrorAccumulator, type MethodReport, type MethodScore } from './metrics';
export { forecasterMethod, systemMethod, type EvalMethod, type Prediction, type PredictionRequest } from './methods';
export { WARMUP_MEASUREMENTS, replaySeries, type EvalResult } from './replay';
export {
  BASELINE_METHODS,
  ReplayFileError,
  evaluateSeries,
  evaluateServed,
  readReplayFile,
  standardMethods,
  type EvaluateOptions,
} from './evaluate';
export { SERVED, servedMethod } from './served-method';
export { evalJson, evalTable, scenarioTable } from './format';
