import type { ClockStatus, DaemonStatus } from '@chronotick/protocol';

/**
 * What the daemon knows about the host clock, as one explicit state machine: every
 * change of state is a transition in {@link next}, so "why does it say disrupted?" has
 * one place to look.
 *
 * - `unknown`: no evidence at all; the host clock is served as it is.
 * - `restored`: measurements from saved state, not yet confirmed by a fresh one (the
 *   clock may have moved while the daemon was down), so it coasts on them.
 * - `warming_up`: measured, but the dense warm-up sampling has not finished.
 * - `synchronized`: fresh measurements after warm-up.
 * - `free_running`: measurements stopped arriving; coasting on the last drift.
 * - `disrupted`: the history was discarded (a step of the host clock, saved state
 *   proved wrong); the served time may jump, until warm-up is over again.
 */
export type ClockPhase = 'unknown' | 'restored' | 'warming_up' | 'synchronized' | 'free_running' | 'disrupted';

/** What moves the machine. */
export type ClockEvent =
  /** A round brought at least one accepted measurement; `warmingUp` is the sampler's phase. */
  | { type: 'measured'; warmingUp: boolean }
  /** Time passed: `stale` when the newest measurement is too old, `hasEvidence` when any is held. */
  | { type: 'tick'; warmingUp: boolean; stale: boolean; hasEvidence: boolean }
  /** Measurements from saved state were loaded. */
  | { type: 'restored' }
  /** The first fresh measurement after a restore agrees with it... */
  | { type: 'restore_confirmed' }
  /** ...or shows the clock moved while the daemon was down: the history is gone. */
  | { type: 'restore_refuted' }
  /** The host clock was stepped (set by someone, or a suspend): the history is gone. */
  | { type: 'host_step' };

/** The next phase: pure, total, and the only place a phase changes. */
export function next(phase: ClockPhase, event: ClockEvent): ClockPhase {
  switch (event.type) {
    case 'host_step':
    case 'restore_refuted':
      return 'disrupted';
    case 'restored':
      return phase === 'unknown' ? 'restored' : phase;
    case 'restore_confirmed':
      return phase === 'restored' ? 'synchronized' : phase;
    case 'measured':
      // A fresh measurement during a restore is judged by restore_confirmed/refuted first.
      if (phase === 'restored') return phase;
      if (phase === 'disrupted') return event.warmingUp ? 'disrupted' : 'synchronized';
      return event.warmingUp ? 'warming_up' : 'synchronized';
    case 'tick':
      if (phase === 'unknown' || phase === 'restored') return phase;
      if (!event.hasEvidence) return phase === 'disrupted' && !event.warmingUp ? 'unknown' : phase;
      if (event.stale) return phase === 'disrupted' ? phase : 'free_running';
      if (!event.warmingUp && (phase === 'warming_up' || phase === 'disrupted')) return 'synchronized';
      return phase;
  }
}

/** The `clock_status` answers carry for a phase (ClockBound's vocabulary). */
export function clockStatusOf(phase: ClockPhase): ClockStatus {
  // Restored measurements are old evidence: coasting on them is free running.
  return phase === 'restored' ? 'free_running' : phase;
}

/** The daemon's own status for a phase and the sampler's warm-up. */
export function daemonStatusOf(phase: ClockPhase, warmingUp: boolean): DaemonStatus {
  switch (phase) {
    case 'unknown':
      return warmingUp ? 'warming_up' : 'unsynchronized';
    case 'restored':
    case 'warming_up':
    case 'disrupted':
      return 'warming_up';
    case 'synchronized':
      return 'ready';
    case 'free_running':
      return 'degraded';
  }
}
