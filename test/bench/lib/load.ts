import { decodePayload, encodeFrame } from '@chronotick/protocol';
import { cpuSeconds } from './cpu';
import { FramedConnection, expectOk } from './framed-conn';

export interface LoadSpec {
  socketPath: string;
  /** The server's pid, to read the CPU time it spends in the measured interval. */
  serverPid: number;
  clients: number;
  /** Requests each client keeps in flight. */
  window: number;
  warmupMs: number;
  measureMs: number;
}

/** Every Nth response is decoded and checked, so errors cannot pass for throughput. */
const CHECK_EVERY = 16;
/** Hard cap on requests in one run, whatever the clock says. */
const MAX_REQUESTS = 20_000_000;

/**
 * Closed-loop load: each client sends `window` get_time requests, then one more for
 * each answer, until the time is up. Only answers that arrive inside the measured
 * interval count. Frames are encoded once per client: the client's own cost is kept
 * small and identical for the daemon and the echo floor, so the server is what limits.
 */
export interface LoadResult {
  ratePerS: number;
  /** Server CPU time (user + system) per answered request, µs. */
  serverCpuPerRequestUs: number;
}

export async function measureThroughput(spec: LoadSpec): Promise<LoadResult> {
  const conns = await Promise.all(Array.from({ length: spec.clients }, () => FramedConnection.connect(spec.socketPath)));
  let phase: 'warmup' | 'measure' | 'stop' = 'warmup';
  let counted = 0;
  let sent = 0;
  let inFlight = 0;
  let failure: Error | undefined;
  let onIdle: (() => void) | undefined;

  conns.forEach((conn, index) => {
    const frame = encodeFrame({ v: 1, id: index + 1, method: 'get_time', params: {} });
    let received = 0;
    conn.onPayload = (payload) => {
      inFlight--;
      if (phase === 'measure') counted++;
      if (++received % CHECK_EVERY === 0) {
        try {
          expectOk(decodePayload(payload), index + 1, 'get_time under load');
        } catch (err) {
          failure ??= err as Error;
          phase = 'stop';
        }
      }
      if (phase !== 'stop' && sent < MAX_REQUESTS) {
        sent++;
        inFlight++;
        conn.send(frame);
      } else if (inFlight === 0) onIdle?.();
    };
    for (let i = 0; i < spec.window; i++) {
      sent++;
      inFlight++;
      conn.send(frame);
    }
  });

  await sleep(spec.warmupMs);
  phase = 'measure';
  const startCpuS = cpuSeconds(spec.serverPid);
  const startNs = process.hrtime.bigint();
  await sleep(spec.measureMs);
  const endNs = process.hrtime.bigint();
  const measured = counted;
  const serverCpuS = cpuSeconds(spec.serverPid) - startCpuS;
  phase = 'stop';
  // Let what is in flight come back before closing, bounded so a stuck server cannot hang us.
  await Promise.race([new Promise<void>((resolve) => (onIdle = resolve)), sleep(5000)]);
  conns.forEach((conn) => conn.close());
  if (failure) throw failure;
  if (measured === 0) throw new Error(`no answers from ${spec.socketPath} in ${spec.measureMs} ms`);
  return {
    ratePerS: measured / (Number(endNs - startNs) / 1e9),
    serverCpuPerRequestUs: (serverCpuS * 1e6) / measured,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
