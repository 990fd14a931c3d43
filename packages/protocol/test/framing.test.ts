import { FrameDecoder, FrameTooLargeError, MAX_FRAME_BYTES, PayloadDecodeError, decodePayload, encodeFrame } from '../src';

describe('framing', () => {
  test('a frame is a 4-byte big-endian payload length then the msgpack payload', () => {
    const frame = encodeFrame({ v: 1, id: 1, method: 'ping' });
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
    expect(decodePayload(frame.subarray(4))).toEqual({ v: 1, id: 1, method: 'ping' });
  });

  test('maps are plain msgpack maps (fixmap, map16 or map32), not msgpackr records', () => {
    const first = encodeFrame({ a: 1 })[4] as number;
    expect((first & 0xf0) === 0x80 || first === 0xde || first === 0xdf).toBe(true);
  });

  test('a frame split across chunks at every byte boundary decodes once', () => {
    const frame = encodeFrame({ v: 1, id: 'x', method: 'get_time', params: { include_stats: true } });
    for (let cut = 0; cut <= frame.length; cut++) {
      const decoder = new FrameDecoder();
      const got = [...decoder.push(frame.subarray(0, cut)), ...decoder.push(frame.subarray(cut))];
      expect(got).toHaveLength(1);
      expect(decodePayload(got[0] as Buffer)).toMatchObject({ id: 'x' });
      expect(decoder.pendingBytes).toBe(0);
    }
  });

  test('several frames in one chunk all come out, in order, with a partial tail kept', () => {
    const frames = [1, 2, 3].map((id) => encodeFrame({ id }));
    const tail = encodeFrame({ id: 4 });
    const decoder = new FrameDecoder();
    const got = decoder.push(Buffer.concat([...frames, tail.subarray(0, 3)]));
    expect(got.map((p) => (decodePayload(p) as { id: number }).id)).toEqual([1, 2, 3]);
    expect(decoder.pendingBytes).toBe(3);
    expect(decoder.push(tail.subarray(3)).map((p) => decodePayload(p))).toEqual([{ id: 4 }]);
  });

  test('a zero-length frame yields an empty payload, which does not decode', () => {
    const decoder = new FrameDecoder();
    const got = decoder.push(Buffer.from([0, 0, 0, 0]));
    expect(got).toHaveLength(1);
    expect(() => decodePayload(got[0] as Buffer)).toThrow(PayloadDecodeError);
  });

  test('a payload of exactly MAX_FRAME_BYTES is allowed; one more byte is refused on the header alone', () => {
    const ok = Buffer.alloc(4);
    ok.writeUInt32BE(MAX_FRAME_BYTES);
    expect(new FrameDecoder().push(ok)).toEqual([]);
    const tooBig = Buffer.alloc(4);
    tooBig.writeUInt32BE(MAX_FRAME_BYTES + 1);
    expect(() => new FrameDecoder().push(tooBig)).toThrow(FrameTooLargeError);
  });

  test('encoding a message larger than the limit throws instead of sending it', () => {
    expect(() => encodeFrame({ blob: 'x'.repeat(MAX_FRAME_BYTES) })).toThrow(FrameTooLargeError);
  });

  test('garbage and truncated msgpack are PayloadDecodeError, never another exception', () => {
    for (const bytes of [[0xc1], [0x01, 0x02], [0x92, 0x01], [0xdb, 0xff, 0xff, 0xff, 0xff], [0x81]]) {
      expect(() => decodePayload(Buffer.from(bytes))).toThrow(PayloadDecodeError);
    }
  });
});
