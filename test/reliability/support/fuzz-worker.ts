import { ErrorCode, MAX_FRAME_BYTES } from '@chronotick/protocol';
import { RawConnection } from '../../support/raw-connection';
import { CATEGORY_WEIGHTS, makeCase, mutatedRequest, type FuzzCase } from './fuzz-frames';
import { frameOf, lengthPrefix } from './msgpack-bytes';
import type { Prng } from './prng';
import { isSomeMethodResult, matchBatch, parseResponse } from './response-checks';

/** What one fuzz connection-churning worker did and saw. */
export interface WorkerReport {
  frames: number;
  bytes: number;
  connections: number;
  failures: string[];
  framesByKind: Record<string, number>;
}

export function newReport(): WorkerReport {
  return { frames: 0, bytes: 0, connections: 0, failures: [], framesByKind: {} };
}

const ENDINGS = { keep: 6, truncated_then_close: 1, cut_mid_frame: 1, too_large: 1, unframed_garbage: 1 } as const;
const MAX_BATCHES_PER_CONNECTION = 8;
const RESPONSE_TIMEOUT_MS = 60_000;

/**
 * Sends malformed frames until `quota` is reached: batches of many frames per connection,
 * each written in a few random pieces (so the daemon reassembles frames across reads),
 * then checks every response; now and then ends a connection badly (mid-frame, oversize
 * length, unframed garbage) and opens a new one.
 */
export async function runFuzzWorker(socketPath: string, rng: Prng, quota: number, report: WorkerReport): Promise<void> {
  let nextId = 1;
  while (report.frames < quota) {
    const conn = await RawConnection.open(socketPath);
    report.connections++;
    let open = true;
    for (let batch = 0; open && batch < MAX_BATCHES_PER_CONNECTION && report.frames < quota; batch++) {
      const structured = rng.chance(0.75);
      const size = rng.int(50, 400);
      const base = conn.responses.length;
      let failures: string[];
      if (structured) {
        const cases: FuzzCase[] = [];
        for (let i = 0; i < size; i++) cases.push(makeCase(rng.weighted(CATEGORY_WEIGHTS), rng, nextId++));
        cases.forEach((c) => count(report, c.category));
        const oversize = cases.find((c) => c.payload.length > MAX_FRAME_BYTES);
        if (oversize) throw new Error(`test bug: a ${oversize.category} case of ${oversize.payload.length} bytes`);
        send(
          conn,
          rng,
          cases.map((c) => frameOf(c.payload)),
          report,
        );
        failures = await collect(conn, base, size).then((responses) => matchBatch(cases, responses));
      } else {
        const payloads: Buffer[] = [];
        for (let i = 0; i < size; i++) {
          const random = rng.chance(0.5);
          payloads.push(random ? rng.bytes(rng.int(1, 300)) : mutatedRequest(rng, nextId++));
          count(report, random ? 'random_bytes' : 'mutated_request');
        }
        send(conn, rng, payloads.map(frameOf), report);
        failures = await collect(conn, base, size).then((responses) => checkChaos(responses, size));
      }
      report.failures.push(...failures.slice(0, 5).map((f) => `${structured ? 'structured' : 'chaos'} batch: ${f}`));
      if (failures.length > 0 || conn.closed) {
        if (conn.closed) report.failures.push('the daemon closed a connection whose framing was intact');
        open = false;
        break;
      }
      const ending = rng.weighted(ENDINGS);
      if (ending !== 'keep') {
        report.failures.push(...(await endBadly(conn, ending, rng, report)));
        open = false;
      }
    }
    conn.close();
  }
}

function count(report: WorkerReport, kind: string): void {
  report.frames++;
  report.framesByKind[kind] = (report.framesByKind[kind] ?? 0) + 1;
}

/** Writes the frames as one stream cut into a few pieces at random points. */
function send(conn: RawConnection, rng: Prng, frames: Buffer[], report: WorkerReport): void {
  const stream = Buffer.concat(frames);
  report.bytes += stream.length;
  const cuts = Array.from({ length: rng.int(0, 5) }, () => rng.int(1, stream.length - 1)).sort((a, b) => a - b);
  let from = 0;
  for (const cut of [...cuts, stream.length]) {
    if (cut > from) conn.write(stream.subarray(from, cut));
    from = Math.max(from, cut);
  }
}

async function collect(conn: RawConnection, base: number, expected: number): Promise<unknown[]> {
  try {
    await conn.waitFor(base + expected, RESPONSE_TIMEOUT_MS);
  } catch {
    // Reported by the caller as a count mismatch.
  }
  return conn.responses.slice(base);
}

/** Random and mutated frames: one well-formed response each, an error with a request code or a right answer. */
function checkChaos(responses: unknown[], frames: number): string[] {
  const failures: string[] = [];
  if (responses.length !== frames) failures.push(`${responses.length} responses to ${frames} frames`);
  const allowed: string[] = [ErrorCode.BadRequest, ErrorCode.UnknownMethod, ErrorCode.UnsupportedVersion];
  for (const raw of responses) {
    const response = parseResponse(raw);
    if (typeof response === 'string') failures.push(response);
    else if (response.ok && !isSomeMethodResult(response.result)) failures.push(`an ok result no method defines`);
    else if (!response.ok && !allowed.includes(response.error.code)) {
      failures.push(`${response.error.code} (${response.error.message.slice(0, 160)})`);
    }
  }
  return failures;
}

/** Ends a connection the way a broken client would, and checks the daemon's side of it. */
async function endBadly(
  conn: RawConnection,
  ending: Exclude<keyof typeof ENDINGS, 'keep'>,
  rng: Prng,
  report: WorkerReport,
): Promise<string[]> {
  count(report, ending);
  const base = conn.responses.length;
  const failures: string[] = [];
  switch (ending) {
    case 'truncated_then_close':
    case 'cut_mid_frame': {
      const declared = rng.int(1, MAX_FRAME_BYTES);
      const partial = Buffer.concat([lengthPrefix(declared), rng.bytes(Math.min(declared - 1, rng.int(0, 500)))]);
      conn.write(partial.subarray(0, rng.int(1, partial.length)));
      if (ending === 'cut_mid_frame') {
        conn.close();
        break;
      }
      conn.socket.end();
      await conn.waitForClose(10_000).catch(() => failures.push('the daemon kept a half-closed connection open'));
      if (conn.responses.length !== base) failures.push('a response to an incomplete frame');
      break;
    }
    case 'too_large': {
      const declared = rng.pick([MAX_FRAME_BYTES + 1, rng.int(MAX_FRAME_BYTES + 1, 0xffffffff), 0x80000000, 0xffffffff]);
      conn.write(Buffer.concat([lengthPrefix(declared), rng.bytes(rng.int(0, 100))]));
      await conn.waitForClose(10_000).catch(() => failures.push(`a ${declared}-byte frame did not close the connection`));
      const after = conn.responses.slice(base).map(parseResponse);
      const only = after[0];
      if (after.length !== 1 || typeof only !== 'object' || only.ok || only.error.code !== ErrorCode.FrameTooLarge || only.id !== null) {
        failures.push(`a ${declared}-byte frame got ${JSON.stringify(after).slice(0, 300)}`);
      }
      break;
    }
    case 'unframed_garbage': {
      conn.write(rng.bytes(rng.int(1, 2000)));
      await conn.waitForClose(1000).catch(() => conn.close());
      const allowed: string[] = [ErrorCode.BadRequest, ErrorCode.UnknownMethod, ErrorCode.UnsupportedVersion, ErrorCode.FrameTooLarge];
      for (const response of conn.responses.slice(base).map(parseResponse)) {
        if (typeof response === 'string') failures.push(response);
        else if (!response.ok && !allowed.includes(response.error.code)) failures.push(`garbage got ${response.error.code}`);
      }
      break;
    }
  }
  conn.close();
  return failures;
}
