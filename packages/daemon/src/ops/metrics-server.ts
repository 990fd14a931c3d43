import * as http from 'node:http';
import * as client from 'prom-client';
import type { DaemonStatusAnswer } from '@chronotick/protocol';

/**
 * Optional Prometheus metrics on a loopback HTTP port (config `metrics.port`; off when
 * absent). It also answers `GET /status` with the get_daemon_status JSON, for health
 * checks that speak HTTP but not our socket protocol. Gauges are read from the status
 * at scrape time, so nothing is updated on the request path.
 */
export async function startMetricsServer(opts: { port: number; host?: string; status: () => DaemonStatusAnswer }): Promise<http.Server> {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'chronotick_process_' });
  const gauge = (name: string, help: string, read: (s: DaemonStatusAnswer) => number): void => {
    new client.Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(opts.status()));
      },
    });
  };
  gauge('chronotick_offset_seconds', 'Served offset correction (true − host), seconds', (s) => s.offset_correction);
  // NaN (Prometheus' "no value") before any measurement: no uncertainty is claimed then.
  gauge('chronotick_offset_uncertainty_seconds', 'One sigma of the offset, seconds', (s) => s.offset_uncertainty ?? NaN);
  gauge('chronotick_drift_rate', 'Host clock drift, seconds per second', (s) => s.drift_rate);
  gauge('chronotick_ready', '1 when the daemon is ready', (s) => (s.status === 'ready' ? 1 : 0));
  gauge('chronotick_warmup_progress', 'Warm-up progress, 0–1', (s) => s.warmup_progress);
  gauge('chronotick_corrections_total', 'Corrections installed since start', (s) => s.total_corrections);
  gauge('chronotick_request_success_ratio', 'Share of requests answered without error', (s) => s.success_rate);
  gauge(
    'chronotick_ntp_servers_reachable',
    'NTP servers that answered recently',
    (s) => s.ntp.servers.filter((srv) => srv.reach !== 0).length,
  );

  const server = http.createServer((req, res) => {
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (req.url === '/metrics') {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    } else if (req.url === '/status') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(opts.status()));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('try /metrics or /status\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: metrics describe this host and need no wider audience.
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  return server;
}
