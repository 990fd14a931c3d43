import { TsfmError } from './errors';
import { writeReplayCsv } from './replay-csv';
import { simulate, type SimulatedSeries, type SimulationConfig } from './simulator';

/** Names of the built-in scenarios. */
export const SCENARIO_NAMES = ['quartz_drift', 'temperature_cycles', 'vm_fast_drift', 'steps', 'disciplined_noise'] as const;

/** A built-in scenario name. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

// An internet path to a public server: 20 ms round trip, a millisecond of queueing per
// direction and occasional heavy-tailed congestion.
const INTERNET = { baseDelayS: 0.02, queueMeanS: 0.001, spikeProbability: 0.02, spikeMinS: 0.005, spikeAlpha: 1.5, lossProbability: 0.01 };

const SCENARIOS: Record<ScenarioName, Omit<SimulationConfig, 'seed'>> = {
  /** An undisciplined quartz oscillator: steady drift, slow wander. */
  quartz_drift: {
    durationS: 4 * 3600,
    intervalS: 64,
    clock: { initialOffsetS: 0.0123, offsetDriftPpm: 12, driftWanderPpmPerSqrtHour: 0.05 },
    network: INTERNET,
    timestampNoiseS: 2e-6,
  },
  /** Drift that follows the room temperature: ±1.5 ppm on a two-hour cycle. */
  temperature_cycles: {
    durationS: 6 * 3600,
    intervalS: 64,
    clock: {
      initialOffsetS: -0.004,
      offsetDriftPpm: -8,
      driftWanderPpmPerSqrtHour: 0.05,
      temperature: { amplitudePpm: 1.5, periodS: 7200 },
    },
    network: INTERNET,
    timestampNoiseS: 2e-6,
  },
  /** A virtual machine's clock: fast drift that wanders, a noisier virtual network. */
  vm_fast_drift: {
    durationS: 4 * 3600,
    intervalS: 32,
    clock: { initialOffsetS: 0.05, offsetDriftPpm: 150, driftWanderPpmPerSqrtHour: 1 },
    network: { ...INTERNET, queueMeanS: 0.003, spikeProbability: 0.05 },
    timestampNoiseS: 2e-5,
  },
  /** A drifting clock that someone steps twice (+50 ms after one hour, −20 ms at 2.5 h). */
  steps: {
    durationS: 4 * 3600,
    intervalS: 64,
    clock: {
      initialOffsetS: 0.001,
      offsetDriftPpm: 5,
      driftWanderPpmPerSqrtHour: 0.05,
      steps: [
        { atS: 3600, stepS: 0.05 },
        { atS: 9000, stepS: -0.02 },
      ],
    },
    network: INTERNET,
    timestampNoiseS: 2e-6,
  },
  /**
   * A clock the OS already disciplines, like the recorded series: a small offset pulled
   * back to zero, a fixed 3 ms path asymmetry and noisy delays. Nothing to predict.
   */
  disciplined_noise: {
    durationS: 4 * 3600,
    intervalS: 120,
    clock: { initialOffsetS: 0, offsetDriftPpm: 0, offsetWanderSPerSqrtS: 2e-5, disciplineTimeConstantS: 600 },
    network: { ...INTERNET, fixedAsymmetryS: 0.002, queueMeanS: 0.0015, spikeProbability: 0.03, spikeMinS: 0.01 },
    timestampNoiseS: 2e-6,
  },
};

/** Changes to a scenario: another seed, a longer run, a different interval. */
export interface ScenarioOverrides {
  /** Default 1. */
  seed?: number;
  durationS?: number;
  intervalS?: number;
  startTimeS?: number;
}

/**
 * The simulation config of a named scenario.
 * @throws TsfmError `TSFM_UNKNOWN_SCENARIO` listing the known names.
 */
export function scenarioConfig(name: string, overrides: ScenarioOverrides = {}): SimulationConfig {
  const base = (SCENARIOS as Record<string, Omit<SimulationConfig, 'seed'> | undefined>)[name];
  if (base === undefined) {
    throw new TsfmError('TSFM_UNKNOWN_SCENARIO', `unknown scenario "${name}"; known: ${SCENARIO_NAMES.join(', ')}`);
  }
  const config: SimulationConfig = { ...base, seed: overrides.seed ?? 1 };
  if (overrides.durationS !== undefined) config.durationS = overrides.durationS;
  if (overrides.intervalS !== undefined) config.intervalS = overrides.intervalS;
  if (overrides.startTimeS !== undefined) config.startTimeS = overrides.startTimeS;
  return config;
}

/** Simulate a named scenario (deterministic for a given seed). */
export function simulateScenario(name: string, overrides: ScenarioOverrides = {}): SimulatedSeries {
  return simulate(scenarioConfig(name, overrides));
}

/** A simulated series in the replay CSV format, with its `true_offset_s` column. */
export function simulationToReplayCsv(series: SimulatedSeries): string {
  return writeReplayCsv(series.measurements, { includeTrueOffset: true });
}
