import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { holdsUdpPort } from './bench/lib/chronyd-client';

describe("the bench's check that chronyd holds its serving port", () => {
  test('a UDP port is held by the process that bound it, and by no one once closed', async () => {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const { port } = socket.address() as AddressInfo;
    expect(holdsUdpPort(process.pid, port)).toBe(true);
    // The parent (npm or the shell) did not bind it.
    expect(holdsUdpPort(process.ppid, port)).toBe(false);
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    expect(holdsUdpPort(process.pid, port)).toBe(false);
  });
});
