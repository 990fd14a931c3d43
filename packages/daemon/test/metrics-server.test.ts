import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startMetricsServer } from '../src/ops/metrics-server';
import { Daemon } from '../src/daemon';
import { ManualHostClock } from '@chronotick/ntp';
import { DEFAULT_CONFIG } from '@chronotick/config';
import { createLogger } from '../src/log';

function get(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('metrics server', () => {
  const daemon = new Daemon({
    config: DEFAULT_CONFIG,
    socketPath: '/nonexistent/never-bound.sock',
    stateDir: '/nonexistent',
    logger: createLogger({ level: 'error', format: 'text' }),
    clock: new ManualHostClock(1_800_000_000),
  });
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    server = await startMetricsServer({ port: 0, status: () => daemon.status() });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('GET /metrics exposes the served offset and its uncertainty in Prometheus text', async () => {
    const { status, body } = await get(port, '/metrics');
    expect(status).toBe(200);
    expect(body).toMatch(/^chronotick_offset_seconds 0$/m);
    // Nothing measured: no uncertainty is claimed, which prom-client writes as Nan (Prometheus reads it as NaN).
    expect(body).toMatch(/^chronotick_offset_uncertainty_seconds Nan$/m);
    expect(body).toContain('chronotick_process_');
  });

  test('GET /status is the get_daemon_status JSON; other paths are 404', async () => {
    const { status, body } = await get(port, '/status');
    expect(status).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ status: 'unsynchronized', source: 'system' });
    expect((await get(port, '/nope')).status).toBe(404);
  });

  test('listens on loopback only', () => {
    expect((server.address() as AddressInfo).address).toBe('127.0.0.1');
  });
});
