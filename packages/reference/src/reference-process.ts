import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { childHello } from './child-hello';
import { offsetModel, type OffsetModelParams } from './offset-model';
import type { ReferenceFault } from './ntp-reference';

/**
 * The reference in a process of its own. Its timestamps (T2, T3) are read in an event
 * loop that does nothing else, as a real server's would be, so accuracy figures are
 * not skewed by whatever the test or bench process is busy with.
 */
export interface ReferenceProcess {
  child: ChildProcess;
  server: string;
  trueOffsetAt: (hostS: number) => number;
  setFault(fault: ReferenceFault): void;
  close(): Promise<void>;
}

export async function startReferenceProcess(
  params: OffsetModelParams & { jitterS?: number; asymmetryS?: number; host?: '127.0.0.1' | '::1'; kernelTimestamps?: boolean },
): Promise<ReferenceProcess> {
  const entry = path.resolve(__dirname, '..', 'bin', 'ntp-reference.js');
  const args = [entry, '--host', params.host ?? '127.0.0.1'];
  const flag = (name: string, value: number | undefined): void => {
    // --name=value, so negative numbers are not taken for flags
    if (value !== undefined) args.push(`--${name}=${value}`);
  };
  flag('offset', params.initialOffsetS);
  flag('drift-ppm', params.driftPpm);
  flag('wander', params.wanderSPerSqrtS);
  flag('sine-amplitude', params.sineAmplitudeS);
  flag('sine-period', params.sinePeriodS);
  flag('jitter', params.jitterS);
  flag('asymmetry', params.asymmetryS);
  flag('seed', params.seed);
  if (params.kernelTimestamps) args.push('--kernel-timestamps');
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const hello = await childHello<{ server: string; origin_s: number }>(child, 'ntp-reference');
  return {
    child,
    server: hello.server,
    // The same pure model the child serves from, anchored at the child's origin.
    trueOffsetAt: offsetModel(params, hello.origin_s),
    setFault: (fault) => child.stdin?.write(`fault ${fault}\n`),
    close: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
