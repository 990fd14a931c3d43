/**
 * A check, before decoding, that a payload is plain msgpack: no extension types (which
 * msgpackr would turn into records, dates, errors or `undefined`), no 0xC1, and no
 * nesting deeper than MAX_NESTING. It walks the bytes with an explicit stack, so
 * hostile nesting cannot overflow the call stack the way a recursive decoder can.
 */

/** Deepest nesting of arrays and maps a request may have; real ones use three. */
export const MAX_NESTING = 64;

/** Why a payload is not plain msgpack; null when it is. */
export function plainMsgpackProblem(bytes: Uint8Array): string | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pending: number[] = [1]; // items still expected at each open level
  let pos = 0;
  const need = (n: number): boolean => pos + n <= bytes.length;
  while (pending.length > 0) {
    if (!need(1)) return 'truncated msgpack';
    const b = bytes[pos++] as number;
    let skip = 0;
    let children = 0;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) skip = 0;
    else if (b <= 0x8f) children = 2 * (b & 0x0f);
    else if (b <= 0x9f) children = b & 0x0f;
    else if (b <= 0xbf) skip = b & 0x1f;
    else if (b === 0xc1) return 'byte 0xC1 is never used in msgpack';
    else if ((b >= 0xc7 && b <= 0xc9) || (b >= 0xd4 && b <= 0xd8)) return 'msgpack extension types are not accepted';
    else if (b === 0xca || b === 0xce || b === 0xd2) skip = 4;
    else if (b === 0xcb || b === 0xcf || b === 0xd3) skip = 8;
    else if (b === 0xcc || b === 0xd0) skip = 1;
    else if (b === 0xcd || b === 0xd1) skip = 2;
    else {
      // lengths: bin/str 8/16/32, array 16/32, map 16/32
      const width = b === 0xc4 || b === 0xd9 ? 1 : b === 0xc5 || b === 0xda || b === 0xdc || b === 0xde ? 2 : 4;
      if (!need(width)) return 'truncated msgpack';
      const n = width === 1 ? view.getUint8(pos) : width === 2 ? view.getUint16(pos) : view.getUint32(pos);
      pos += width;
      if (b === 0xdc || b === 0xdd) children = n;
      else if (b === 0xde || b === 0xdf) children = 2 * n;
      else skip = n;
    }
    if (!need(skip)) return 'truncated msgpack';
    pos += skip;
    pending[pending.length - 1] = (pending[pending.length - 1] as number) - 1;
    if (children > 0) {
      if (pending.length > MAX_NESTING) return `nesting deeper than ${MAX_NESTING} levels`;
      // A container cannot hold more items than bytes remain: refuse absurd counts early.
      if (children > bytes.length - pos) return 'truncated msgpack';
      pending.push(children);
    }
    while (pending.length > 0 && pending[pending.length - 1] === 0) pending.pop();
  }
  return pos === bytes.length ? null : 'bytes after the end of the msgpack value';
}
