// Public API of @chronotick/tsfm: forecasters, the registry, the replay CSV format and
// the clock/network simulator. Pure code: no sockets, no files, no clock reads.
export { TsfmError, type TsfmErrorCode } from './errors';
export { PPM, isTimeOrdered, timeOrdered, type Measurement } from './measurement';
export {
  REPLAY_COLUMNS,
  ReplayCsvError,
  parseReplayCsv,
  writeReplayCsv,
  type ReplayColumn,
  type WriteReplayCsvOptions,
} from './replay-csv';
export {
  Z95,
  gaussianQuantiles,
  normalQuantile,
  requireHistory,
  runForecast,
  type AsyncForecaster,
  type DriftEstimate,
  type Forecast,
  type Forecaster,
  type ForecastPoint,
  type Quantile,
  type SyncForecaster,
} from './forecaster';
export {
  createLinearForecaster,
  fitLinearDrift,
  predictLinearDrift,
  type LinearDriftFit,
  type LinearFitOptions,
  type LinearPredictOptions,
} from './statistical/linear';
export {
  KalmanDriftFilter,
  createKalmanForecaster,
  kalmanSampleSigmasS,
  type KalmanOptions,
  type KalmanState,
} from './statistical/kalman';
export { createHoldLastForecaster, createMedianForecaster, type BaselineOptions } from './statistical/hold-last';
export { MAD_TO_SIGMA, madSigma, median, noiseFromDifferences, sampleSigmasS } from './statistical/robust';
export {
  ForecasterRegistry,
  STATISTICAL_MODELS,
  UnknownForecasterError,
  createDefaultRegistry,
  type ForecasterFactory,
} from './registry';
export { SeededRandom } from './prng';
export {
  simulate,
  type SimClockModel,
  type SimNetworkModel,
  type SimulatedSeries,
  type SimulationConfig,
} from './simulator';
export {
  SCENARIO_NAMES,
  scenarioConfig,
  simulateScenario,
  simulationToReplayCsv,
  type ScenarioName,
  type ScenarioOverrides,
} from './scenarios';
