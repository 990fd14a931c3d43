import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ChronoTickClient } from '@chronotick/client';
import { ErrorCode, ProtocolError, TimeAnswerSchema, encodeFrame } from '@chronotick/protocol';
import { startDaemon, runBinary, tempDir, type RunningDaemon } from './support/daemon-process';
import { RawConnection } from './support/raw-connection';
import { BIN } from './support/paths';

describe('chronotickd on a Unix socket', () => {
  let daemon: RunningDaemon;
  let client: ChronoTickClient;

  beforeAll(async () => {
    daemon = await startDaemon();
    client = new ChronoTickClient({ socketPaths: [daemon.socketPath] });
  });

  afterAll(async () => {
    client.close();
    await daemon.stop();
  });

  test('get_time answers from the host clock and, with nothing measured, claims no uncertainty', async () => {
    const before = Date.now() / 1000;
    const answer = await client.request('get_time');
    const after = Date.now() / 1000;
    expect(TimeAnswerSchema.parse(answer)).toBeTruthy();
    expect(answer.source).toBe('system');
    expect(answer.clock_status).toBe('unknown');
    expect(answer.system_time).toBeGreaterThanOrEqual(before - 0.002);
    expect(answer.system_time).toBeLessThanOrEqual(after + 0.002);
    expect(answer.corrected_time).toBe(answer.system_time);
    expect(answer).toMatchObject({
      time_uncertainty: null,
      earliest: null,
      latest: null,
      coverage: null,
      hard_earliest: null,
      confidence: 0,
    });
    expect(answer.valid_until).toBeGreaterThan(answer.system_time);
  });

  test('the socket file is owner and group only (0660)', () => {
    expect(fs.statSync(daemon.socketPath).mode & 0o777).toBe(0o660);
  });

  test('pipelined requests are each answered with their own id, and time never goes backwards', async () => {
    const answers = await Promise.all(Array.from({ length: 200 }, () => client.request('get_time')));
    const served = answers.map((a) => a.corrected_time);
    for (let i = 1; i < served.length; i++) expect(served[i]).toBeGreaterThanOrEqual(served[i - 1] as number);
  });

  test('with nothing measured, the future and confidence answers claim no interval either', async () => {
    const future = await client.request('get_time_with_future_uncertainty', { future_seconds: 3600 });
    expect(future).toMatchObject({ projected_uncertainty: null, confidence_decay: null });
    expect(future.projected_time - future.corrected_time).toBeCloseTo(3600, 0);
    const ci = await client.request('get_time_with_confidence_interval', { confidence_level: 0.99 });
    expect(ci).toMatchObject({ confidence_level: 0.99, confidence_interval: null });
    const ci90 = await client.request('get_time_with_confidence_interval', {});
    expect(ci90.confidence_level).toBe(0.9);
  });

  test('get_daemon_status reports every field of the original', async () => {
    const status = await client.request('get_daemon_status');
    expect(status.status).toBe('unsynchronized');
    expect(status.pid).toBe(daemon.process.pid);
    expect(status.socket_path).toBe(daemon.socketPath);
    expect(status.memory_usage_mb).toBeGreaterThan(10);
    expect(status.models.map((m) => m.role)).toEqual(['short_term', 'long_term', 'statistical', 'statistical', 'statistical']);
    expect(status.models.map((m) => m.name)).toEqual(['residual_ar', 'chronotick_long', 'linear', 'kalman', 'hold_last']);
    expect(status.ntp.servers.length).toBeGreaterThan(0);
  });

  test('wrong parameter types get CT_BAD_REQUEST naming the field', async () => {
    await expect(client.request('get_time_with_future_uncertainty', { future_seconds: 'soon' as unknown as number })).rejects.toMatchObject(
      { code: ErrorCode.BadRequest, field: 'params.future_seconds' },
    );
    await expect(client.request('get_time_with_future_uncertainty', { future_seconds: 7200 })).rejects.toMatchObject({
      code: ErrorCode.BadRequest,
      message: expect.stringContaining('between 0 and 3600'),
    });
    await expect(client.request('get_time_with_confidence_interval', { confidence_level: 1 })).rejects.toBeInstanceOf(ProtocolError);
  });

  test('an unknown method gets CT_UNKNOWN_METHOD and the list of methods', async () => {
    const raw = await RawConnection.open(daemon.socketPath);
    raw.write(encodeFrame({ v: 1, id: 'u1', method: 'set_time', params: {} }));
    await raw.waitFor(1);
    expect(raw.responses[0]).toMatchObject({
      id: 'u1',
      ok: false,
      error: { code: 'CT_UNKNOWN_METHOD', hint: expect.stringContaining('get_time') },
    });
    raw.close();
  });

  test('an unknown protocol version gets CT_UNSUPPORTED_VERSION', async () => {
    const raw = await RawConnection.open(daemon.socketPath);
    raw.write(encodeFrame({ v: 2, id: 7, method: 'get_time' }));
    await raw.waitFor(1);
    expect(raw.responses[0]).toMatchObject({ id: 7, ok: false, error: { code: 'CT_UNSUPPORTED_VERSION' } });
    raw.close();
  });

  test('a malformed payload gets CT_BAD_REQUEST with id null and the connection stays usable', async () => {
    const raw = await RawConnection.open(daemon.socketPath);
    const garbage = Buffer.from([0xc1, 0xc1, 0xc1]); // 0xc1 is never valid msgpack
    const header = Buffer.alloc(4);
    header.writeUInt32BE(garbage.length);
    raw.write(Buffer.concat([header, garbage]));
    raw.write(encodeFrame(['not', 'a', 'map']));
    raw.write(encodeFrame({ v: 1, id: 9, method: 'ping' }));
    await raw.waitFor(3);
    expect(raw.responses[0]).toMatchObject({ id: null, ok: false, error: { code: 'CT_BAD_REQUEST' } });
    expect(raw.responses[1]).toMatchObject({ id: null, ok: false, error: { code: 'CT_BAD_REQUEST' } });
    expect(raw.responses[2]).toMatchObject({ id: 9, ok: true, result: { pong: true } });
    raw.close();
  });

  test('an oversized frame gets CT_FRAME_TOO_LARGE, its connection is closed, and another client is still served', async () => {
    const bystander = new ChronoTickClient({ socketPaths: [daemon.socketPath] });
    await bystander.request('ping');
    const raw = await RawConnection.open(daemon.socketPath);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(10 * 1024 * 1024);
    raw.write(header);
    await raw.waitForClose();
    expect(raw.responses[0]).toMatchObject({ id: null, ok: false, error: { code: 'CT_FRAME_TOO_LARGE' } });
    const answer = await bystander.request('get_time');
    expect(answer.source).toBe('system');
    bystander.close();
  });

  test('a second daemon on the same live socket refuses to steal it (exit 73)', async () => {
    const result = await runBinary(BIN.daemon, ['--socket', daemon.socketPath]);
    expect(result.code).toBe(73);
    expect(result.stderr + result.stdout).toContain('already listening');
    // and the first one still answers
    await expect(client.request('ping')).resolves.toMatchObject({ pong: true });
  });
});

describe('chronotickd start-up and shutdown', () => {
  test('a stale socket file left by a crash is replaced', async () => {
    const dir = tempDir();
    const socketPath = path.join(dir, 'chronotickd.sock');
    // A listening socket that is closed without unlinking leaves a dead socket file.
    const stale = net.createServer();
    await new Promise<void>((resolve) => stale.listen(socketPath, resolve));
    fs.linkSync(socketPath, `${socketPath}.keep`);
    await new Promise<void>((resolve) => stale.close(() => resolve()));
    fs.renameSync(`${socketPath}.keep`, socketPath);
    expect(fs.lstatSync(socketPath).isSocket()).toBe(true);

    const daemon = await startDaemon({ dir });
    const client = new ChronoTickClient({ socketPaths: [socketPath] });
    await expect(client.request('ping')).resolves.toMatchObject({ pong: true });
    client.close();
    await daemon.stop();
  });

  test('SIGTERM finishes, removes the socket file and exits 0', async () => {
    const daemon = await startDaemon();
    const client = new ChronoTickClient({ socketPaths: [daemon.socketPath] });
    await client.request('get_time');
    client.close();
    expect(await daemon.stop()).toBe(0);
    expect(fs.existsSync(daemon.socketPath)).toBe(false);
    expect(daemon.output()).toContain('stopped');
  });

  test('a broken configuration exits 78 naming the file, the field and what was expected', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, 'clock_measurement:\n  ntp:\n    timeout_seconds: soon\n');
    const result = await runBinary(BIN.daemon, ['--config', file, '--socket', path.join(dir, 's.sock')]);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(file);
    expect(result.stderr).toContain('clock_measurement.ntp.timeout_seconds');
    expect(result.stderr).toContain('expected number');
  });

  test('a bad environment override exits 78 naming the variable', async () => {
    const dir = tempDir();
    const result = await runBinary(BIN.daemon, ['--socket', path.join(dir, 's.sock')], { CHRONOTICK_WARMUP: 'forever' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('CHRONOTICK_WARMUP');
  });

  test('unknown flags are a usage error (exit 2); --help and --version answer', async () => {
    expect((await runBinary(BIN.daemon, ['--frobnicate'])).code).toBe(2);
    const help = await runBinary(BIN.daemon, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--state-dir');
    expect((await runBinary(BIN.daemon, ['--version'])).stdout).toMatch(/^chronotickd \d+\.\d+\.\d+/);
  });
});
