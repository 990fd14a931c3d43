import { decodePayload, encodeFrame } from '@chronotick/protocol';
import { FramedConnection, expectOk } from '../lib/framed-conn';
import { elapsedUs, percentile } from '../lib/stats';
import type { BenchContext, Figure, Section } from '../section';

const P99_TARGET_RATIO = 1.5;

/**
 * Round-trip time of get_time with one client and one request at a time, against the
 * echo floor. The two servers are measured in alternating blocks, so that a burst of
 * noise on this shared 2-core machine lands on both rather than on one.
 */
export const socketLatency: Section = {
  id: 'socket-latency',
  title: 'get_time over the Unix socket, 1 client, sequential',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const { sizes } = ctx.options;
    const daemon = await ctx.daemon();
    const echo = await ctx.echo();
    const daemonConn = await FramedConnection.connect(daemon.socketPath);
    const echoConn = await FramedConnection.connect(echo.socketPath);
    try {
      const responseBytes = { daemon: 0, echo: 0 };
      ctx.progress(`socket latency: warm-up ${sizes.latencyWarmupRequests} requests each`);
      await measureBlock(daemonConn, sizes.latencyWarmupRequests, responseBytes, 'daemon');
      await measureBlock(echoConn, sizes.latencyWarmupRequests, responseBytes, 'echo');

      const daemonUs: number[] = [];
      const echoUs: number[] = [];
      ctx.progress(`socket latency: ${sizes.latencyBlocks} × ${sizes.latencyBlockRequests} requests each`);
      for (let block = 0; block < sizes.latencyBlocks; block++) {
        daemonUs.push(...(await measureBlock(daemonConn, sizes.latencyBlockRequests, responseBytes, 'daemon')));
        echoUs.push(...(await measureBlock(echoConn, sizes.latencyBlockRequests, responseBytes, 'echo')));
      }
      const note =
        `${daemonUs.length} requests per server in ${sizes.latencyBlocks} alternating blocks; ` +
        `response ${responseBytes.daemon} B (daemon) vs ${responseBytes.echo} B (echo)`;
      const floor = 'echo floor';
      return [
        {
          key: 'socket_get_time_p50_us',
          label: 'get_time p50',
          value: percentile(daemonUs, 50),
          unit: 'us',
          baseline: { label: floor, value: percentile(echoUs, 50) },
          note,
        },
        {
          key: 'socket_get_time_p99_us',
          label: 'get_time p99',
          value: percentile(daemonUs, 99),
          unit: 'us',
          baseline: { label: floor, value: percentile(echoUs, 99) },
          target: { on: 'ratio', op: '<=', limit: P99_TARGET_RATIO },
        },
      ];
    } finally {
      daemonConn.close();
      echoConn.close();
    }
  },
};

let nextId = 1;
const BLOCK_TIMEOUT_MS = 30_000;

/** `count` sequential get_time requests; returns each round trip in µs. */
function measureBlock(
  conn: FramedConnection,
  count: number,
  responseBytes: Record<'daemon' | 'echo', number>,
  kind: 'daemon' | 'echo',
): Promise<number[]> {
  const latenciesUs: number[] = [];
  return new Promise<number[]>((resolve, reject) => {
    // Bounded: a server that stops answering fails the bench instead of hanging it.
    const watchdog = setTimeout(() => reject(new Error(`${kind} stopped answering`)), BLOCK_TIMEOUT_MS);
    let id = 0;
    let sentNs = 0n;
    const sendNext = (): void => {
      id = nextId++;
      const frame = encodeFrame({ v: 1, id, method: 'get_time', params: {} });
      sentNs = process.hrtime.bigint();
      conn.send(frame);
    };
    conn.onPayload = (payload) => {
      // Timing stops at the complete payload; checking it is client work, not the server's.
      latenciesUs.push(elapsedUs(sentNs, process.hrtime.bigint()));
      responseBytes[kind] = payload.length;
      try {
        expectOk(decodePayload(payload), id, kind);
      } catch (err) {
        clearTimeout(watchdog);
        reject(err);
        return;
      }
      if (latenciesUs.length < count) sendNext();
      else {
        clearTimeout(watchdog);
        resolve(latenciesUs);
      }
    };
    sendNext();
  });
}
