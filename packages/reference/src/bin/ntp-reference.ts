#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { NtpReference, type ReferenceFault } from '../ntp-reference';

const USAGE = `Usage: ntp-reference [options]

A programmable NTP server on loopback: serves host time + offset(t), where
offset(t) = offset + drift·t + wander + a sinusoidal term, with per-exchange jitter.
Prints one JSON line {server, port, origin_s} when listening; then reads commands on
stdin, one per line: "fault NAME" (none, silent, kod_rate, kod_deny, kod_rstr,
wrong_origin, li3, stratum16, garbage, short, repeat_transmit). Stops on SIGTERM,
SIGINT or the end of stdin.

Options:
  --host 127.0.0.1|::1     Loopback address to listen on (default 127.0.0.1)
  --offset SECONDS         Initial offset (default 0)
  --drift-ppm PPM          Drift of the offset (default 0)
  --wander S_PER_SQRT_S    Random-walk wander (default 0)
  --sine-amplitude S       Temperature-like sinusoid amplitude (default 0)
  --sine-period S          Its period (default 600)
  --jitter SECONDS         σ of the extra one-way delay (default 0)
  --asymmetry SECONDS      Extra constant delay on the reply path (default 0)
  --seed N                 PRNG seed (default 1)
  --kernel-timestamps      Take T2 from the kernel and stamp T3 at sendto() through a
                           small Python front (needs python3): no Node event-loop
                           latency in the server's own timestamps`;

function num(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got "${value}"`);
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      offset: { type: 'string' },
      'drift-ppm': { type: 'string' },
      wander: { type: 'string' },
      'sine-amplitude': { type: 'string' },
      'sine-period': { type: 'string' },
      jitter: { type: 'string' },
      asymmetry: { type: 'string' },
      seed: { type: 'string' },
      'kernel-timestamps': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const host = values.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== '::1') throw new Error('--host must be 127.0.0.1 or ::1 (loopback only)');
  const ref = await NtpReference.start({
    host,
    initialOffsetS: num(values.offset, 'offset', 0),
    driftPpm: num(values['drift-ppm'], 'drift-ppm', 0),
    wanderSPerSqrtS: num(values.wander, 'wander', 0),
    sineAmplitudeS: num(values['sine-amplitude'], 'sine-amplitude', 0),
    sinePeriodS: num(values['sine-period'], 'sine-period', 600),
    jitterS: num(values.jitter, 'jitter', 0),
    asymmetryS: num(values.asymmetry, 'asymmetry', 0),
    seed: num(values.seed, 'seed', 1),
    kernelTimestamps: values['kernel-timestamps'],
  });
  process.stdout.write(`${JSON.stringify({ server: ref.server, port: ref.port, origin_s: ref.originS })}\n`);
  // A user-space server stamps T2 when its event loop wakes for the packet. An idle
  // process sleeps deeply and wakes hundreds of µs late, which would bias every
  // measurement; a 1 ms heartbeat keeps it responsive, as a kernel timestamp would be.
  const heartbeat = setInterval(() => undefined, 1);
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      clearInterval(heartbeat);
      void ref.close().then(() => resolve(0));
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    let buffered = '';
    process.stdin.on('data', (d: Buffer) => {
      buffered += d.toString();
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const [command, arg] = buffered.slice(0, newline).trim().split(/\s+/);
        buffered = buffered.slice(newline + 1);
        if (command === 'fault' && arg) ref.setFault(arg as ReferenceFault);
      }
    });
    process.stdin.on('end', stop);
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`ntp-reference: ${(err as Error).message}\n`);
    process.exit(2);
  },
);
