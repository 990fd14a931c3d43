import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { OFFLINE_ENV, cleanEnv, startDaemon, tempDir, type RunningDaemon } from './support/daemon-process';
import { startReferenceProcess, type ReferenceProcess } from './support/ntp-reference';
import { startDaemonAgainst } from './support/ntp-daemon';
import { BIN } from './support/paths';

// The MCP time server's tools, done as a superset: get_time in any IANA zone (default
// the host's, surviving TZ=EDT), convert_time across DST changes, and wait_for_sync —
// through the MCP SDK's own Client over stdio against the built adapter.

type ToolResult = {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: { type: string; text?: string }[];
};

async function connect(socketPath: string, tz: string | undefined): Promise<Client> {
  const env = cleanEnv(OFFLINE_ENV) as Record<string, string>;
  delete env.TZ;
  if (tz !== undefined) env.TZ = tz;
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN.mcp, '--socket', socketPath], env, stderr: 'pipe' });
  const client = new Client({ name: 'chronotick-test', version: '0.0.0' });
  await client.connect(transport);
  return client;
}

const call = async (client: Client, name: string, args: Record<string, unknown>): Promise<ToolResult> =>
  (await client.callTool({ name, arguments: args })) as ToolResult;
const textOf = (r: ToolResult): string => r.content[0]?.text ?? '';

describe('get_time and convert_time with time zones', () => {
  let daemon: RunningDaemon;
  let ny: Client;
  let edtHost: Client;

  beforeAll(async () => {
    daemon = await startDaemon();
    ny = await connect(daemon.socketPath, 'America/New_York');
    edtHost = await connect(daemon.socketPath, 'EDT');
  });
  afterAll(async () => {
    await ny.close();
    await edtHost.close();
    await daemon.stop();
  });

  test('tools/list stays small: every agent pays for it in every conversation', async () => {
    const bytes = Buffer.byteLength(JSON.stringify(await ny.listTools()));
    console.log(`tools/list: ${bytes} bytes (was 16,365 with four tools and their output schemas)`);
    expect(bytes).toBeLessThan(4096);
  });

  test('without timezone: the host’s zone, local time with its UTC offset beside the UTC fields', async () => {
    const r = await call(ny, 'get_time', {});
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent ?? {};
    expect(s.timezone).toBe('America/New_York');
    expect(s.utc_offset).toMatch(/^-0[45]:00$/);
    expect(s.local_time).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}${String(s.utc_offset)}$`));
    // The same instant: local wall time minus its offset is the UTC time.
    const localMs = Date.parse(String(s.local_time));
    expect(Math.abs(localMs / 1000 - Number(s.corrected_time))).toBeLessThan(1e-3);
    expect(s.corrected_time_iso).toMatch(/Z$/);
    expect(textOf(r)).toMatch(/^local time: .* \(America\/New_York, E[SD]T, UTC-0[45]:00/m);
  });

  test('with an IANA timezone, in any letter case', async () => {
    const r = await call(ny, 'get_time', { timezone: 'asia/kolkata' });
    expect(r.structuredContent).toMatchObject({ timezone: 'Asia/Kolkata', utc_offset: '+05:30', is_dst: false });
  });

  test('with EDT: read as the fixed offset it stands for, and said so', async () => {
    const r = await call(ny, 'get_time', { timezone: 'EDT' });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ timezone: 'EDT', utc_offset: '-04:00', is_dst: true });
    expect(String(r.structuredContent?.timezone_note)).toContain('pass America/New_York');
  });

  test('a host whose TZ is EDT: no crash; UTC, and a note saying why', async () => {
    const r = await call(edtHost, 'get_time', {});
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ timezone: 'UTC', utc_offset: '+00:00' });
    expect(String(r.structuredContent?.timezone_note)).toContain('(TZ=EDT) is not an IANA zone name: answering in UTC');
    expect(textOf(r)).toContain('note: the host’s time zone (TZ=EDT)');
  });

  test('an unknown zone is a clear tool error with a hint', async () => {
    const r = await call(ny, 'get_time', { timezone: 'Mars/Olympus_Mons' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toBe(
      'CT_UNKNOWN_TIMEZONE: unknown time zone "Mars/Olympus_Mons"\nHint: use an IANA name such as America/New_York, Europe/London, Asia/Tokyo, UTC',
    );
    const city = await call(ny, 'get_time', { timezone: 'Berlin' });
    expect(textOf(city)).toContain('Hint: use an IANA name such as Europe/Berlin');
    const cst = await call(ny, 'get_time', { timezone: 'CST' });
    expect(textOf(cst)).toContain('"CST" is ambiguous');
  });

  test('convert_time: a wall time DST skipped, one it repeated, and a difference unlike today’s', async () => {
    const gap = await call(ny, 'convert_time', {
      time: '2026-03-08T02:30',
      source_timezone: 'America/New_York',
      target_timezone: 'Europe/London',
    });
    expect(gap.isError).toBeFalsy();
    expect(gap.structuredContent).toMatchObject({ dst_gap: true, dst_ambiguous: false, time_difference: '+4.0h' });
    expect(gap.structuredContent?.source).toMatchObject({ local_time: '2026-03-08T03:30:00.000000-04:00', is_dst: true });
    expect(gap.structuredContent?.target).toMatchObject({ local_time: '2026-03-08T07:30:00.000000+00:00', is_dst: false });
    expect(textOf(gap)).toContain('02:30 does not exist in America/New_York on 2026-03-08');

    const twice = await call(ny, 'convert_time', { time: '2026-11-01T01:30', source_timezone: 'America/New_York', target_timezone: 'UTC' });
    expect(twice.structuredContent).toMatchObject({ dst_ambiguous: true, unix_time: Date.UTC(2026, 10, 1, 5, 30) / 1000 });
    expect(textOf(twice)).toContain('happens twice in America/New_York on 2026-11-01 (DST ended): read as the first, EDT (-04:00)');

    // Between the US change (8 March) and the European one (29 March), New York is 4 h behind London, not 5.
    const between = await call(ny, 'convert_time', {
      time: '2026-03-20T12:00',
      source_timezone: 'America/New_York',
      target_timezone: 'Europe/London',
    });
    const usual = await call(ny, 'convert_time', {
      time: '2026-01-20T12:00',
      source_timezone: 'America/New_York',
      target_timezone: 'Europe/London',
    });
    expect(between.structuredContent?.time_difference).toBe('+4.0h');
    expect(usual.structuredContent?.time_difference).toBe('+5.0h');
  });

  test('convert_time: HH:MM means today in the source zone (default the host’s); nonsense is refused', async () => {
    const r = await call(ny, 'convert_time', { time: '09:15', target_timezone: 'Asia/Tokyo' });
    expect(r.isError).toBeFalsy();
    expect(String((r.structuredContent?.source as { local_time: string }).local_time)).toMatch(/T09:15:00\.000000-0[45]:00$/);
    const bad = await call(ny, 'convert_time', { time: '25:99', target_timezone: 'UTC' });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toContain('CT_BAD_TIME');
  });
});

describe('wait_for_sync against a daemon warming up against the reference', () => {
  let ref: ReferenceProcess;
  let daemon: RunningDaemon;
  let client: Client;

  beforeAll(async () => {
    ref = await startReferenceProcess({ initialOffsetS: 0.01, driftPpm: 10, jitterS: 0.0001, seed: 5 });
    ({ daemon } = await startDaemonAgainst([ref.server], { warmUpS: 6, warmUpIntervalS: 0.25 }));
    client = await connect(daemon.socketPath, 'UTC');
  });
  afterAll(async () => {
    await client.close();
    await daemon.stop();
    await ref.close();
  });

  test('not yet: synchronized false after the timeout; then true; beyond 60 s is refused', async () => {
    const early = await call(client, 'wait_for_sync', { timeout_seconds: 0.5 });
    expect(early.isError).toBeFalsy();
    expect(early.structuredContent).toMatchObject({ synchronized: false });
    expect(textOf(early)).toContain('Call wait_for_sync again');
    const synced = await call(client, 'wait_for_sync', { timeout_seconds: 30, max_uncertainty_seconds: '0.01' });
    console.log(`wait_for_sync: synchronized after ${String(synced.structuredContent?.waited_seconds)} s`);
    expect(synced.structuredContent).toMatchObject({ synchronized: true, clock_status: 'synchronized' });
    const tooLong = await call(client, 'wait_for_sync', { timeout_seconds: 600 });
    expect(tooLong.isError).toBe(true);
    expect(textOf(tooLong)).toContain('timeout_seconds is at most 60');
  });
});

test('convert_time needs no daemon; the time tools say how to start one', async () => {
  const client = await connect(path.join(tempDir(), 'absent.sock'), 'UTC');
  const converted = await call(client, 'convert_time', {
    time: '2026-06-01T12:00',
    source_timezone: 'UTC',
    target_timezone: 'Europe/Paris',
  });
  expect(converted.structuredContent?.target).toMatchObject({ local_time: '2026-06-01T14:00:00.000000+02:00' });
  const time = await call(client, 'get_time', { timezone: 'Europe/Paris' });
  expect(time.isError).toBe(true);
  expect(textOf(time)).toContain('CT_DAEMON_UNREACHABLE');
  await client.close();
});
