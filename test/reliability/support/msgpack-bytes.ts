import { encodeFrame } from '@chronotick/protocol';

// Hand-built msgpack, so fuzz frames can hold what no well-behaved encoder writes:
// raw bytes in the middle of a map, extension types, msgpackr records, 0xC1.

/** The msgpack bytes of an ordinary value (the protocol's own encoder, plain maps). */
export function packValue(value: unknown): Buffer {
  return encodeFrame(value).subarray(4);
}

/** A frame around any payload: 4-byte big-endian length, then the bytes. */
export function frameOf(payload: Buffer): Buffer {
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(payload.length, 0);
  return Buffer.concat([header, payload]);
}

/** A length prefix alone, declaring `length` bytes (which may be past the limit). */
export function lengthPrefix(length: number): Buffer {
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(length >>> 0, 0);
  return header;
}

/** A map whose values (and optionally keys) are given as raw msgpack bytes. */
export function rawMap(entries: readonly (readonly [string | Buffer, Buffer])[]): Buffer {
  const n = entries.length;
  const head = n < 16 ? Buffer.from([0x80 | n]) : Buffer.from([0xde, n >> 8, n & 0xff]);
  const parts: Buffer[] = [head];
  for (const [key, value] of entries) parts.push(typeof key === 'string' ? packValue(key) : key, value);
  return Buffer.concat(parts);
}

/** An extension value: fixext for lengths 1/2/4/8/16, else ext 8/16/32. */
export function ext(type: number, data: Buffer): Buffer {
  const typeByte = type & 0xff;
  const fixed: Record<number, number> = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 };
  const fixedToken = fixed[data.length];
  if (fixedToken !== undefined) return Buffer.concat([Buffer.from([fixedToken, typeByte]), data]);
  if (data.length < 0x100) return Buffer.concat([Buffer.from([0xc7, data.length, typeByte]), data]);
  if (data.length < 0x10000) return Buffer.concat([Buffer.from([0xc8, data.length >> 8, data.length & 0xff, typeByte]), data]);
  const head = Buffer.from([0xc9, 0, 0, 0, 0, typeByte]);
  head.writeUInt32BE(data.length, 1);
  return Buffer.concat([head, data]);
}

/** msgpackr's "read the next value" extensions (error, regexp, set): a fixext 1 then the value. */
export function extThenValue(type: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0xd4, type & 0xff, 0x00]), value]);
}

/** A msgpackr record: ext 0x72 defining `slot` (0x40–0x7f) with these keys, then its values. */
export function record(slot: number, keys: Buffer, values: readonly Buffer[]): Buffer {
  return Buffer.concat([Buffer.from([0xd4, 0x72, slot]), keys, ...values]);
}

/** `depth` nested one-element arrays around nil: 0x91 0x91 … 0xc0. */
export function nestedArrays(depth: number): Buffer {
  return Buffer.concat([Buffer.alloc(depth, 0x91), Buffer.from([0xc0])]);
}

/** `depth` nested one-entry maps {a: {a: … nil}}. */
export function nestedMaps(depth: number): Buffer {
  const level = Buffer.from([0x81, 0xa1, 0x61]);
  const out = Buffer.allocUnsafe(depth * level.length + 1);
  for (let i = 0; i < depth; i++) level.copy(out, i * level.length);
  out[depth * level.length] = 0xc0;
  return out;
}

/** A str 32 of `length` ASCII bytes (5 bytes of header). */
export function str32(length: number, fill = 'x'): Buffer {
  const out = Buffer.alloc(5 + length, fill);
  out[0] = 0xdb;
  out.writeUInt32BE(length, 1);
  return out;
}

/** A bin 32 of `length` bytes (5 bytes of header). */
export function bin32(length: number): Buffer {
  const out = Buffer.alloc(5 + length, 0xab);
  out[0] = 0xc6;
  out.writeUInt32BE(length, 1);
  return out;
}

/** The reserved byte msgpack never uses. */
export const C1 = Buffer.from([0xc1]);
