/**
 * The floor: a bare msgpack echo over a Unix socket, with the daemon's own framing code
 * and its own kind of per-connection loop (decode each frame, encode one response
 * frame, one write each), but no validation and no clock work. Run as its own process,
 * as the daemon is, so the bench client never shares an event loop with a server.
 *
 * Usage: node echo-server.js SOCKET_PATH
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { FrameDecoder, decodePayload, encodeFrame } from '@chronotick/protocol';

const socketPath = process.argv[2];
if (socketPath === undefined) {
  process.stderr.write('usage: echo-server SOCKET_PATH\n');
  process.exit(2);
}

const server = net.createServer((socket) => {
  const decoder = new FrameDecoder();
  socket.on('data', (chunk: Buffer) => {
    let payloads: Buffer[];
    try {
      payloads = decoder.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const payload of payloads) {
      const request = decodePayload(payload) as { v?: unknown; id?: unknown; params?: unknown };
      // A response-shaped echo: the request's params come back as the result.
      socket.write(encodeFrame({ v: request.v, id: request.id, ok: true, result: request.params ?? {} }));
    }
  });
  socket.on('error', () => undefined);
});

server.listen(socketPath);
const shutdown = (): void => {
  server.close();
  fs.rmSync(socketPath, { force: true });
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
