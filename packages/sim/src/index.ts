/**
 * @chronotick/sim: a clknetsim-style world in virtual time for the daemon's real code.
 * A scheduler of true time, the host's oscillator (drift, wander, temperature, steps,
 * suspends), network paths, and NTP servers that answer the real NTP client — honest,
 * false, kissing, silent, or around a leap second — plus a catalogue of scenarios.
 * Deterministic for a given seed.
 */

/** Errors with stable codes (`SIM_BAD_CONFIG`, `SIM_TIME_BACKWARDS`, ...). */
export { SimError, type SimErrorCode } from './errors';
/** Virtual time: timers, intervals, tracked async work, suspends; `runUntil` advances it. */
export { DEFAULT_SIM_START_S, SimTimer, VirtualScheduler, type SimSuspendRecord, type VirtualSchedulerOptions } from './scheduler';
/** The host's realtime and monotonic clocks, and the truth θ = true − host. */
export { SimHostClock, type SimClockStep, type SimHostClockParams, type SimHostFunctionParams, type SimSuspend } from './host-clock';
/** The free-running oscillator's parameters and its temperature model. */
export { type SimOscillatorParams, type SimTemperatureParams } from './oscillator';
/** One network path: base delay, asymmetry, queueing, spikes, loss, outages. */
export { SimPath, type PathDraw, type SimOutage, type SimPathParams, type SimSpikeParams } from './path';
/** One NTP server's behaviour. */
export { SIM_SERVER_KINDS, SimServer, type SimServerKind, type SimServerParams } from './server';
/** Servers behind paths, answering `query` with queryNtp's contract. */
export { SimNetwork, type SimExchangeRecord, type SimNetworkOptions, type SimServerEntry } from './network';
/** Independent seeded streams per part of the world. */
export { stream, streamSeed } from './seeds';
/** The scenario catalogue: plain, serialisable worlds by name. */
export {
  SIM_SCENARIOS,
  simScenario,
  type SimConfigOverrides,
  type SimScenario,
  type SimScenarioName,
  type SimScenarioOptions,
} from './scenarios';
/** A scenario wired up: scheduler, host clock and network. */
export { buildSimWorld, type SimWorld, type SimWorldOptions } from './world';
