/**
 * A scenario made runnable: the scheduler, the host clock and the network wired
 * together, ready to hand to the daemon's runtime (clock, monotonic clock, timers,
 * query, resolver) and to a scorer (the host clock's truth, the exchange log).
 */
import { SimHostClock, type SimHostFunctionParams } from './host-clock';
import { SimNetwork, type SimExchangeRecord } from './network';
import type { SimScenario } from './scenarios';
import { VirtualScheduler } from './scheduler';

export interface SimWorld {
  scenario: SimScenario;
  scheduler: VirtualScheduler;
  hostClock: SimHostClock;
  network: SimNetwork;
  /** True Unix seconds at which the scenario ends. */
  endS: number;
}

export interface SimWorldOptions {
  /** Exchange records kept by the network. Default 100,000. */
  logLimit?: number;
  onExchange?: (record: SimExchangeRecord) => void;
  /**
   * Replace the scenario's oscillator by an offsetModel-style function of host time
   * (steps and suspends still apply): the faithfulness check runs one clock here and
   * live against the reference.
   */
  offsetAtHostS?: SimHostFunctionParams['offsetAtHostS'];
}

export function buildSimWorld(scenario: SimScenario, options: SimWorldOptions = {}): SimWorld {
  const scheduler = new VirtualScheduler({ startS: scenario.startS });
  const { steps, suspends, monotonicStartS } = scenario.hostClock;
  const hostClock =
    options.offsetAtHostS === undefined
      ? new SimHostClock(scheduler, scenario.hostClock)
      : new SimHostClock(scheduler, {
          offsetAtHostS: options.offsetAtHostS,
          ...(steps ? { steps } : {}),
          ...(suspends ? { suspends } : {}),
          ...(monotonicStartS !== undefined ? { monotonicStartS } : {}),
        });
  const network = new SimNetwork(scheduler, {
    servers: scenario.servers,
    seed: scenario.seed,
    ...(options.logLimit !== undefined ? { logLimit: options.logLimit } : {}),
    ...(options.onExchange ? { onExchange: options.onExchange } : {}),
  });
  return { scenario, scheduler, hostClock, network, endS: scenario.startS + scenario.durationS };
}
