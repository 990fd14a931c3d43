// Public API of @chronotick/tsfm: forecasters, the registry, ONNX models and their
// cards, the replay CSV format and the clock/network simulator. Pure code apart from
// the ONNX loader, which reads the model files its caller names.
export { ModelFileError, TsfmError, type TsfmErrorCode } from './errors';
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
  type CovariateReading,
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
  DRIFT_WANDER_CANDIDATES,
  KalmanDriftFilter,
  createKalmanForecaster,
  kalmanSampleSigmasS,
  type KalmanOptions,
  type KalmanState,
} from './statistical/kalman';
export { periodicPart, type PeriodicPart } from './statistical/periodic';
export { createResidualArForecaster, type ResidualArOptions } from './statistical/residual-ar';
export { weightedLeastSquares, type LeastSquaresFit } from './statistical/least-squares';
export { createHoldLastForecaster, createMedianForecaster, type BaselineOptions } from './statistical/hold-last';
export { MAD_TO_SIGMA, madSigma, median, noiseFromDifferences, sampleSigmasS } from './statistical/robust';
export {
  ForecasterRegistry,
  STATISTICAL_MODELS,
  UnknownForecasterError,
  createDefaultRegistry,
  registerOnnxCard,
  type FallbackModel,
  type ForecasterFactory,
  type ForecasterLoader,
  type LoadForecasterOptions,
} from './registry';
export {
  readModelCard,
  validateModelCard,
  type CardDim,
  type CardScaling,
  type CardCovariate,
  type CardTensor,
  type LoadedCard,
  type ModelCard,
  type OutputLayout,
} from './onnx/card';
export {
  CELL_REJECT_SIGMAS,
  CELL_STEP_RUN,
  GridCells,
  cellIndexOf,
  gridCells,
  prepareContext,
  prepareFromCells,
  resistantLine,
  type GridCell,
  type PrepareSpec,
  type PreparedContext,
} from './onnx/prepare';
export { covariateGrid, covariateInputs } from './onnx/covariates';
export { decodeForecast, outputRow, type QuantileGrid } from './onnx/decode';
export { openModelSession, type ModelSession, type ModelSessionOptions } from './onnx/session';
export { OnnxForecaster, canonicalModelName, type ForecastRequest, type PreparedRequest } from './onnx/forecaster';
export { SHIPPED_MODELS, SHIPPED_MODELS_DIR, createModelRegistry, shippedCardPath, type ShippedModelName } from './onnx/shipped';
export { SeededRandom } from './prng';
export {
  simulate,
  type SimClockModel,
  type SimNetworkModel,
  type SimTemperature,
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
