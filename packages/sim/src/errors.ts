/**
 * Stable codes of the errors @chronotick/sim throws. Local errors: they never cross
 * the wire; a harness that shows them to a person keeps the code and the message.
 */
export type SimErrorCode =
  /** A parameter is out of range or two options contradict each other. */
  | 'SIM_BAD_CONFIG'
  /** `runUntil` was asked for an instant before the scheduler's now. */
  | 'SIM_TIME_BACKWARDS'
  /** `runUntil` was called while another `runUntil` was still running. */
  | 'SIM_BUSY'
  /** No scenario of that name in the catalogue. */
  | 'SIM_UNKNOWN_SCENARIO';

/** Base class of every error thrown by @chronotick/sim; `code` is stable, the message may change. */
export class SimError extends Error {
  readonly code: SimErrorCode;

  constructor(code: SimErrorCode, message: string) {
    super(message);
    this.name = 'SimError';
    this.code = code;
  }
}

/** Throws SIM_BAD_CONFIG naming the field unless `ok`. */
export function requireConfig(ok: boolean, field: string, expected: string, value: unknown): void {
  if (!ok) throw new SimError('SIM_BAD_CONFIG', `${field} must be ${expected}, got ${JSON.stringify(value)}`);
}
