import { Packr } from 'msgpackr';
import { plainMsgpackProblem } from './plain-msgpack';
import { truncateText } from './errors';

/** Largest payload a frame may carry, in bytes (the length prefix not included). */
export const MAX_FRAME_BYTES = 65_536;

const LENGTH_PREFIX_BYTES = 4;

/**
 * Plain msgpack maps (no msgpackr records or structure extensions), so that a client
 * in any language with an ordinary msgpack library can speak the protocol.
 */
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

/** Encodes one message as a frame: 4-byte big-endian payload length, then msgpack. */
export function encodeFrame(message: unknown): Buffer {
  const payload = packr.pack(message);
  if (payload.length > MAX_FRAME_BYTES) {
    throw new FrameTooLargeError(payload.length);
  }
  const frame = Buffer.allocUnsafe(LENGTH_PREFIX_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, LENGTH_PREFIX_BYTES);
  return frame;
}

/** Decodes one msgpack payload; throws PayloadDecodeError on anything unparseable. */
export function decodePayload(payload: Buffer): unknown {
  const problem = plainMsgpackProblem(payload);
  if (problem !== null) throw new PayloadDecodeError(problem);
  try {
    return packr.unpack(payload);
  } catch (err) {
    throw new PayloadDecodeError(truncateText(err instanceof Error ? err.message : String(err)));
  }
}

export class FrameTooLargeError extends Error {
  constructor(readonly declaredBytes: number) {
    super(`frame of ${declaredBytes} bytes exceeds the limit of ${MAX_FRAME_BYTES} bytes`);
    this.name = 'FrameTooLargeError';
  }
}

export class PayloadDecodeError extends Error {
  constructor(detail: string) {
    super(`payload is not valid msgpack: ${detail}`);
    this.name = 'PayloadDecodeError';
  }
}

/**
 * Splits a byte stream into frame payloads. Feed it chunks as they arrive; it returns
 * the complete payloads and keeps the partial tail. A declared length over the limit
 * throws FrameTooLargeError at once, before the oversized payload is buffered.
 */
export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    if (this.failure) throw this.failure;
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const payloads: Buffer[] = [];
    while (this.buffered.length >= LENGTH_PREFIX_BYTES) {
      const payloadBytes = this.buffered.readUInt32BE(0);
      if (payloadBytes > MAX_FRAME_BYTES) {
        this.failure = new FrameTooLargeError(payloadBytes);
        // Frames that arrived whole before the bad header are still answered: the
        // caller gets them now and finds `failure` set afterwards.
        if (payloads.length === 0) throw this.failure;
        break;
      }
      const frameBytes = LENGTH_PREFIX_BYTES + payloadBytes;
      if (this.buffered.length < frameBytes) break;
      payloads.push(this.buffered.subarray(LENGTH_PREFIX_BYTES, frameBytes));
      this.buffered = this.buffered.subarray(frameBytes);
    }
    return payloads;
  }

  /** Set once an oversize length was seen; the stream cannot be resynchronised after it. */
  failure: FrameTooLargeError | undefined;

  /** Bytes held while waiting for the rest of a frame. */
  get pendingBytes(): number {
    return this.buffered.length;
  }
}
