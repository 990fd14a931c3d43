/**
 * The scenario catalogue: named, plain, serialisable descriptions of a world — the
 * host clock, the servers and their paths, how long to run, how often to score, and
 * what to change in the daemon's config — so a harness (and a report) can name the
 * condition it tested and run it again bit for bit from the seed.
 */
import { SimError } from './errors';
import type { SimHostClockParams } from './host-clock';
import type { SimServerEntry } from './network';
import type { SimPathParams } from './path';
import { DEFAULT_SIM_START_S } from './scheduler';
import type { SimServerParams } from './server';

export const SIM_SCENARIOS = [
  'steady_quartz',
  'temperature_wander',
  'vm_fast_drift',
  'host_step',
  'suspend_resume',
  'ntp_outage_30min',
  'falseticker',
  'path_asymmetry',
  'poll_10s',
  'poll_sparse',
  'leap_smear_mix',
  'kod_and_silent',
  'local_server',
  'hvac_cycle_outage',
  'temperature_outage',
] as const;

export type SimScenarioName = (typeof SIM_SCENARIOS)[number];

/**
 * Overrides of the daemon's YAML config (the keys of @chronotick/config's schema):
 * the servers of the world, and the polling the scenario is about.
 */
export interface SimConfigOverrides {
  clock_measurement: {
    ntp: {
      servers: string[];
      min_poll_seconds?: number;
      timeout_seconds: number;
      max_acceptable_uncertainty: number;
    };
    /**
     * The scenario's own polling, fixed (min_interval = measurement_interval, local
     * servers alike); absent when the scenario runs at the daemon's default polling.
     */
    timing?: {
      warm_up: { duration_seconds: number; measurement_interval: number };
      normal_operation: { measurement_interval: number; min_interval: number };
      local_servers: { min_interval: number; max_interval: number };
    };
  };
}

/** A world to run: plain data, JSON-serialisable, deterministic for its seed. */
export interface SimScenario {
  name: SimScenarioName;
  description: string;
  /** Seeds every stream of the world (host clock, servers, paths, client). */
  seed: number;
  polling: SimPolling;
  /** True Unix seconds at the start. */
  startS: number;
  durationS: number;
  /** How often a harness should ask the daemon for the time and score it, seconds. */
  queryIntervalS: number;
  hostClock: SimHostClockParams;
  servers: SimServerEntry[];
  config: SimConfigOverrides;
  /**
   * Seconds after the start of a leap second, when the scenario has one. The truth is
   * a continuous (TAI-like) count: after the leap, UTC servers are 1 s behind it.
   */
  leapAtS?: number;
}

/**
 * `scenario`: the polling the scenario is about (a fixed interval). `default`: the
 * daemon's own default polling (an iburst, then adaptive 64–1024 s, local servers
 * 1–16 s), the scenario's servers and clock unchanged.
 */
export type SimPolling = 'scenario' | 'default';

export const SIM_POLLINGS: readonly SimPolling[] = ['scenario', 'default'];

export interface SimScenarioOptions {
  /** Default 1. */
  seed?: number;
  /** Default `scenario`. */
  polling?: SimPolling;
  /** Length of the run; each scenario has its own default. */
  hours?: number;
}

const HOUR_S = 3600;
const DAY_S = 86_400;

/** A path to a public server: 20 ms round trip, 1 ms queueing per direction, 2% heavy-tailed spikes, 1% loss. */
const internet = (extra: Partial<SimPathParams> = {}): SimPathParams => ({
  baseDelayS: 0.02,
  queueMeanS: 0.001,
  spike: { probability: 0.02, minS: 0.005, alpha: 1.5 },
  lossProbability: 0.01,
  ...extra,
});

/** A server across a LAN: 500 µs round trip, 50 µs queueing, 1% spikes. */
const lan = (): SimPathParams => ({ baseDelayS: 500e-6, queueMeanS: 50e-6, spike: { probability: 0.01, minS: 0.001, alpha: 1.5 } });
/** A server on the same host or LAN, as chronyd on loopback: 100 µs round trip, 20 µs queueing. */
const local = (): SimPathParams => ({ baseDelayS: 100e-6, queueMeanS: 20e-6 });

const honest = (): SimServerParams => ({ kind: 'honest', stratum: 2, rootDelayS: 0.001, rootDispersionS: 0.0005, jitterS: 5e-6 });

/** A quartz oscillator as a small server or laptop has: 12 ppm slow, slow wander. */
const QUARTZ: SimHostClockParams = { initialOffsetS: 0.0123, driftPpm: 12, wanderPpmPerSqrtHour: 0.05, whiteFmSPerSqrtS: 2e-8 };

/** A crystal whose frequency follows a 2 h temperature cycle the host reads, plus random-walk wander. */
const TEMPERATURE_WANDER: SimHostClockParams = {
  initialOffsetS: -0.004,
  driftPpm: -8,
  wanderPpmPerSqrtHour: 0.1,
  whiteFmSPerSqrtS: 2e-8,
  temperature: { meanC: 35, amplitudeC: 4, periodS: 2 * HOUR_S, ppmPerC: 0.35, quadraticPpmPerC2: -0.035, noiseC: 0.5 },
};

const three = (kinds: SimServerParams[] = [honest(), honest(), honest()], path: () => SimPathParams = internet): SimServerEntry[] =>
  kinds.map((server, i) => ({ name: `sim-${'abc'[i] ?? i}.example:123`, server, path: path() }));

interface Recipe {
  description: string;
  hours: number;
  host?: SimHostClockParams;
  servers?: (durationS: number) => SimServerEntry[];
  /** Warm-up (duration, interval), normal interval and minimum poll, seconds. */
  polling?: { warmUpS: number; warmUpIntervalS: number; intervalS: number; minPollS: number };
  leapAtMiddle?: boolean;
}

const RECIPES: Record<SimScenarioName, Recipe> = {
  steady_quartz: { description: 'An undisciplined quartz clock, 12 ppm slow with slow wander, three honest internet servers.', hours: 6 },
  temperature_wander: {
    description: 'Frequency follows a 2 h temperature cycle (±4 °C, 0.35 ppm/°C, quadratic turnover, noise) plus random-walk wander.',
    hours: 8,
    host: TEMPERATURE_WANDER,
  },
  vm_fast_drift: {
    description: "A virtual machine's clock: 150 ppm with strong wander, on a noisier virtual network (3 ms queueing, 5% spikes, 2% loss).",
    hours: 6,
    host: { initialOffsetS: 0.05, driftPpm: 150, wanderPpmPerSqrtHour: 1, whiteFmSPerSqrtS: 1e-6 },
    servers: () =>
      three(undefined, () => internet({ queueMeanS: 0.003, spike: { probability: 0.05, minS: 0.005, alpha: 1.5 }, lossProbability: 0.02 })),
  },
  host_step: {
    description: 'Quartz clock whose realtime someone steps by +50 ms after one hour (monotonic unaffected).',
    hours: 4,
    host: { ...QUARTZ, steps: [{ atS: HOUR_S, stepS: 0.05 }] },
  },
  suspend_resume: {
    description: 'The host is suspended for 20 minutes after two hours: monotonic and timers stop, realtime jumps against monotonic.',
    hours: 5,
    host: { ...QUARTZ, suspends: [{ atS: 2 * HOUR_S, durationS: 1200 }] },
  },
  ntp_outage_30min: {
    description: 'Every path is down for 30 minutes after two hours: holdover, then recovery.',
    hours: 5,
    servers: () => three(undefined, () => internet({ outages: [{ atS: 2 * HOUR_S, durationS: 1800 }] })),
  },
  falseticker: {
    description: 'One of three servers is 40 ms wrong; selection must exclude it.',
    hours: 4,
    servers: () => three([honest(), honest(), { ...honest(), kind: 'falseticker', offsetS: 0.04 }]),
  },
  path_asymmetry: {
    description: 'Every path has a fixed 2 ms extra return delay: an offset bias of −1 ms that no client can see.',
    hours: 4,
    servers: () => three(undefined, () => internet({ fixedAsymmetryS: 0.002 })),
  },
  poll_10s: {
    description: 'Measurements every 10 s (minimum poll 10 s).',
    hours: 2,
    polling: { warmUpS: 300, warmUpIntervalS: 10, intervalS: 10, minPollS: 10 },
  },
  poll_sparse: {
    description: 'Measurements every 1024 s after warm-up (minimum poll 64 s); the daemon may later adapt between 64 and 1024 s.',
    hours: 24,
    polling: { warmUpS: 900, warmUpIntervalS: 64, intervalS: 1024, minPollS: 64 },
  },
  leap_smear_mix: {
    description: 'A leap second at the middle of the run: one server smears it over 24 h, one steps (LI=1 the day before), one ignores it.',
    hours: 26,
    leapAtMiddle: true,
    servers: (durationS) => {
      const leapAtS = durationS / 2;
      return three([{ ...honest(), kind: 'leap_smear', leapAtS }, { ...honest(), kind: 'leap_step', leapAtS }, honest()]);
    },
  },
  kod_and_silent: {
    description: "One server sends Kiss-o'-Death RATE, one never answers, one is honest.",
    hours: 4,
    servers: () => three([{ ...honest(), kind: 'kod_rate' }, { ...honest(), kind: 'silent' }, honest()]),
  },
  local_server: {
    description: 'One stratum-1 server on a loopback-like path (100 µs round trip), polled as often as the daemon likes.',
    hours: 2,
    servers: () => [
      {
        name: 'sim-local.example:123',
        server: { ...honest(), stratum: 1, refId: 'GPS', rootDelayS: 0, rootDispersionS: 1e-5 },
        path: local(),
        local: true,
      },
    ],
    polling: { warmUpS: 180, warmUpIntervalS: 1, intervalS: 16, minPollS: 1 },
  },
  hvac_cycle_outage: {
    description:
      "An air conditioner cycles every 15 min and swings the crystal's offset by ±300 µs (no sensor the host reads); three LAN servers polled every 16 s go silent for 30 minutes after three hours.",
    hours: 5,
    host: {
      ...QUARTZ,
      temperature: { meanC: 30, amplitudeC: 3, periodS: 900, ppmPerC: 0.7, noiseC: 0.05, sensor: false },
    },
    servers: () =>
      ['a', 'b', 'c'].map((k) => ({
        name: `sim-lan-${k}.example:123`,
        server: honest(),
        path: { ...lan(), outages: [{ atS: 3 * HOUR_S, durationS: 1800 }] },
        local: true,
      })),
    polling: { warmUpS: 120, warmUpIntervalS: 4, intervalS: 16, minPollS: 4 },
  },
  temperature_outage: {
    description:
      "temperature_wander's clock, and every path down for 30 minutes after three hours: holdover on a clock whose frequency follows a temperature the host still reads.",
    hours: 6,
    host: TEMPERATURE_WANDER,
    servers: () => three(undefined, () => internet({ outages: [{ atS: 3 * HOUR_S, durationS: 1800 }] })),
  },
};

const DEFAULT_POLLING = { warmUpS: 600, warmUpIntervalS: 16, intervalS: 64, minPollS: 16 };

/**
 * The named scenario for a seed and a length. Instants inside it (a step, a
 * suspend, an outage) are fixed; a run shorter than them simply ends before.
 * @throws SimError `SIM_UNKNOWN_SCENARIO` listing the names; `SIM_BAD_CONFIG` for bad options.
 */
export function simScenario(name: string, options: SimScenarioOptions = {}): SimScenario {
  const recipe = (RECIPES as Record<string, Recipe | undefined>)[name];
  if (recipe === undefined) throw new SimError('SIM_UNKNOWN_SCENARIO', `unknown scenario "${name}"; known: ${SIM_SCENARIOS.join(', ')}`);
  const seed = options.seed ?? 1;
  const hours = options.hours ?? recipe.hours;
  if (!Number.isInteger(seed)) throw new SimError('SIM_BAD_CONFIG', `seed must be an integer, got ${seed}`);
  if (!(Number.isFinite(hours) && hours > 0)) throw new SimError('SIM_BAD_CONFIG', `hours must be > 0, got ${hours}`);
  const durationS = hours * HOUR_S;
  const servers = (recipe.servers ?? (() => three()))(durationS);
  const polling = recipe.polling ?? DEFAULT_POLLING;
  const pollingMode = options.polling ?? 'scenario';
  if (!SIM_POLLINGS.includes(pollingMode)) throw new SimError('SIM_BAD_CONFIG', `polling must be one of ${SIM_POLLINGS.join(', ')}`);
  const ntp = { servers: servers.map((s) => s.name), timeout_seconds: 2, max_acceptable_uncertainty: 0.05 };
  const fixed = {
    ntp: { ...ntp, min_poll_seconds: polling.minPollS },
    timing: {
      warm_up: { duration_seconds: polling.warmUpS, measurement_interval: polling.warmUpIntervalS },
      normal_operation: { measurement_interval: polling.intervalS, min_interval: polling.intervalS },
      local_servers: { min_interval: polling.intervalS, max_interval: polling.intervalS },
    },
  };
  const scenario: SimScenario = {
    name: name as SimScenarioName,
    description: recipe.description,
    seed,
    polling: pollingMode,
    // A leap second happens at the end of a UTC day: start so that the middle is midnight.
    startS: recipe.leapAtMiddle ? Math.ceil((DEFAULT_SIM_START_S + durationS / 2) / DAY_S) * DAY_S - durationS / 2 : DEFAULT_SIM_START_S,
    durationS,
    queryIntervalS: 10,
    hostClock: { ...(recipe.host ?? QUARTZ), seed },
    servers,
    config: { clock_measurement: pollingMode === 'default' ? { ntp } : fixed },
  };
  if (recipe.leapAtMiddle) scenario.leapAtS = durationS / 2;
  // A deep copy, so a caller editing its scenario cannot change the catalogue's constants.
  return structuredClone(scenario);
}
