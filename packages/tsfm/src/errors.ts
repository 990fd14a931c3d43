/**
 * Stable codes of the errors this package throws. They are local errors (they never
 * cross the wire as such); the daemon maps them onto protocol codes where a user sees them.
 */
export type TsfmErrorCode =
  | 'TSFM_CSV_EMPTY'
  | 'TSFM_CSV_BAD_HEADER'
  | 'TSFM_CSV_FIELD_COUNT'
  | 'TSFM_CSV_BAD_NUMBER'
  | 'TSFM_CSV_BAD_VALUE'
  | 'TSFM_CSV_TIME_ORDER'
  | 'TSFM_INSUFFICIENT_HISTORY'
  | 'TSFM_BAD_OPTIONS'
  | 'TSFM_UNKNOWN_MODEL'
  | 'TSFM_DUPLICATE_MODEL'
  | 'TSFM_UNKNOWN_SCENARIO'
  | 'TSFM_MODEL_MISSING'
  | 'TSFM_MODEL_CHECKSUM'
  | 'TSFM_MODEL_CORRUPT'
  | 'TSFM_MODEL_SIGNATURE'
  | 'TSFM_CARD_INVALID'
  | 'TSFM_MODEL_NOT_LOADED'
  | 'TSFM_INFERENCE_FAILED';

/** Base class of every error thrown by @chronotick/tsfm; `code` is stable, the message may change. */
export class TsfmError extends Error {
  readonly code: TsfmErrorCode;
  /** What the caller can do about it, when there is something to say. */
  readonly hint: string | undefined;

  constructor(code: TsfmErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'TsfmError';
    this.code = code;
    this.hint = hint;
  }
}

/**
 * A model file or its card that cannot be used: missing, not matching its card's
 * sha256, not loadable by onnxruntime, or with a card that does not describe it.
 * `path` names the file at fault, so the message a user sees says which file to fix.
 */
export class ModelFileError extends TsfmError {
  readonly path: string;

  constructor(code: TsfmErrorCode, path: string, message: string, hint: string) {
    super(code, `${message} (${path})`, hint);
    this.name = 'ModelFileError';
    this.path = path;
  }
}
