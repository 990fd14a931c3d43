/**
 * Stable error codes that cross the wire. Clients switch on these strings, so a code
 * is never renamed or reused; new failures get new codes.
 */
export const ErrorCode = {
  /** The request was not a valid envelope, or its params failed validation. */
  BadRequest: 'CT_BAD_REQUEST',
  /** The method is not in the method table. */
  UnknownMethod: 'CT_UNKNOWN_METHOD',
  /** A frame's declared length exceeds MAX_FRAME_BYTES; the connection is closed. */
  FrameTooLarge: 'CT_FRAME_TOO_LARGE',
  /** The envelope's `v` is not a protocol version this daemon speaks. */
  UnsupportedVersion: 'CT_UNSUPPORTED_VERSION',
  /** The daemon cannot answer this at all yet (get_time always answers). */
  NotReady: 'CT_NOT_READY',
  /** The connection sent more requests per second than the configured limit. */
  RateLimited: 'CT_RATE_LIMITED',
  /** The daemon is draining for shutdown and takes no new work. */
  ShuttingDown: 'CT_SHUTTING_DOWN',
  /** get_time_at: the host-clock reading lies before the daemon's measurement history (or after now). */
  OutOfHistory: 'CT_OUT_OF_HISTORY',
  /** A bug or an unexpected failure inside the daemon. */
  Internal: 'CT_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The error object carried by a failed response. */
export interface WireError {
  code: ErrorCode;
  message: string;
  /** Dotted path of the offending request field, when one field is to blame. */
  field?: string;
  /** What the caller can do about it. */
  hint?: string;
}

/**
 * A failure with a wire code. The daemon throws these from handlers and the client
 * rebuilds them from error responses, so both sides see the same code and hint.
 */
export class ProtocolError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { field?: string; hint?: string } = {}) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.field = options.field;
    this.hint = options.hint;
  }

  /** The wire form; message and field are cut to MAX_ERROR_TEXT so an error can never
   * echo a hostile request back at a size that breaks the frame limit. */
  toWire(): WireError {
    const wire: WireError = { code: this.code, message: truncateText(this.message) };
    if (this.field !== undefined) wire.field = truncateText(this.field);
    if (this.hint !== undefined) wire.hint = truncateText(this.hint);
    return wire;
  }

  static fromWire(wire: WireError): ProtocolError {
    const options: { field?: string; hint?: string } = {};
    if (wire.field !== undefined) options.field = wire.field;
    if (wire.hint !== undefined) options.hint = wire.hint;
    return new ProtocolError(wire.code, wire.message, options);
  }
}

/** Longest message, field or hint an error carries, in characters. */
export const MAX_ERROR_TEXT = 512;

/** Cuts text to MAX_ERROR_TEXT characters, saying so. */
export function truncateText(text: string, max = MAX_ERROR_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max - 12)}… (${text.length} chars)`;
}
