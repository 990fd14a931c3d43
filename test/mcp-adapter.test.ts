import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { TimeAnswerSchema } from '@chronotick/protocol';
import { OFFLINE_ENV, cleanEnv, startDaemon, tempDir, type RunningDaemon } from './support/daemon-process';
import { BIN } from './support/paths';

type ToolResult = {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: { type: string; text?: string }[];
};

async function connectAdapter(socketPath: string, extraArgs: string[] = []): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN.mcp, '--socket', socketPath, ...extraArgs],
    env: cleanEnv(OFFLINE_ENV) as Record<string, string>,
    stderr: 'pipe',
  });
  const client = new Client({ name: 'chronotick-test', version: '0.0.0' });
  await client.connect(transport);
  return client;
}

describe('chronotick-mcp through the MCP SDK client over stdio', () => {
  let daemon: RunningDaemon;
  let client: Client;

  beforeAll(async () => {
    daemon = await startDaemon();
    client = await connectAdapter(daemon.socketPath);
  });

  afterAll(async () => {
    await client.close();
    await daemon.stop();
  });

  test('tools/list shows the tools, read-only, each described in a sentence or two', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'convert_time',
      'get_daemon_status',
      'get_time',
      'get_time_with_confidence_interval',
      'get_time_with_future_uncertainty',
      'wait_for_sync',
    ]);
    for (const tool of tools) {
      expect(tool.annotations).toMatchObject({ readOnlyHint: true, openWorldHint: false });
      expect(tool.description?.length).toBeGreaterThan(50);
      expect(tool.description?.length).toBeLessThan(200);
    }
    const getTime = tools.find((t) => t.name === 'get_time');
    expect(getTime?.description).toContain('compare [hard_earliest, hard_latest] intervals, not points');
  });

  test('get_time returns valid structuredContent and a text rendering', async () => {
    const result = (await client.callTool({ name: 'get_time', arguments: {} })) as ToolResult;
    expect(result.isError).toBeFalsy();
    const answer = TimeAnswerSchema.parse(result.structuredContent);
    expect(answer.source).toBe('system');
    expect(result.structuredContent?.corrected_time_iso).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // Nothing measured (the test's daemon has no reachable server): said in words.
    expect(result.content[0]?.text).toContain('No time server has answered yet, so this is the host clock unchanged');
    expect(result.content[0]?.text).toContain('get_daemon_status');
  });

  test('the other three tools answer', async () => {
    const status = (await client.callTool({ name: 'get_daemon_status', arguments: {} })) as ToolResult;
    expect(status.structuredContent?.status).toBe('unsynchronized');
    const future = (await client.callTool({
      name: 'get_time_with_future_uncertainty',
      arguments: { future_seconds: 600 },
    })) as ToolResult;
    expect(future.structuredContent?.future_seconds).toBe(600);
    const ci = (await client.callTool({
      name: 'get_time_with_confidence_interval',
      arguments: { confidence_level: 0.95 },
    })) as ToolResult;
    expect(ci.structuredContent?.confidence_level).toBe(0.95);
  });

  test('it does not claim its tool list can change', () => {
    expect(client.getServerCapabilities()?.tools).toBeDefined();
    expect(client.getServerCapabilities()?.tools?.listChanged).toBeFalsy();
  });

  test('numbers and booleans sent as strings are read as what the schema wants', async () => {
    const future = (await client.callTool({ name: 'get_time_with_future_uncertainty', arguments: { future_seconds: '30' } })) as ToolResult;
    expect(future.isError).toBeFalsy();
    expect(future.structuredContent?.future_seconds).toBe(30);
    const ci = (await client.callTool({
      name: 'get_time_with_confidence_interval',
      arguments: { confidence_level: ' 0.95 ' },
    })) as ToolResult;
    expect(ci.isError).toBeFalsy();
    expect(ci.structuredContent?.confidence_level).toBe(0.95);
    const stats = (await client.callTool({ name: 'get_time', arguments: { include_stats: 'true' } })) as ToolResult;
    expect(stats.isError).toBeFalsy();
    expect(stats.structuredContent?.detailed_stats).toBeDefined();
    // The advertised schema still asks for a number: leniency is not an invitation.
    const { tools } = await client.listTools();
    const futureTool = tools.find((t) => t.name === 'get_time_with_future_uncertainty');
    expect(futureTool?.inputSchema.properties?.future_seconds).toMatchObject({ type: 'number', minimum: 0, maximum: 3600 });
    expect(futureTool?.inputSchema.required).toEqual(['future_seconds']);
  });

  test('a missing argument is called required; a string that is no number is refused', async () => {
    const missing = (await client.callTool({ name: 'get_time_with_future_uncertainty', arguments: {} })) as ToolResult;
    expect(missing.isError).toBe(true);
    expect(missing.content[0]?.text).toContain('future_seconds is required');
    const words = (await client.callTool({
      name: 'get_time_with_future_uncertainty',
      arguments: { future_seconds: 'soon' },
    })) as ToolResult;
    expect(words.isError).toBe(true);
    expect(words.content[0]?.text).toContain('future_seconds must be a number of seconds');
  });

  test('the text scales each figure to a readable unit, as chronotickctl does', async () => {
    // The offline daemon has measured nothing: no figure of uncertainty at all, where
    // it once read "±1000001.0 µs" from a constant.
    const time = (await client.callTool({ name: 'get_time', arguments: {} })) as ToolResult;
    expect(time.content[0]?.text).not.toMatch(/±/);
    const status = (await client.callTool({ name: 'get_daemon_status', arguments: {} })) as ToolResult;
    expect(status.content[0]?.text).toMatch(/^offset: \+0 s ± none claimed \(nothing measured yet\)$/m);
    for (const result of [time, status]) expect(result.content[0]?.text).not.toMatch(/\d{4,}\.\d µs/);
  });

  test('out-of-range arguments are refused with a clear message', async () => {
    const future = (await client.callTool({
      name: 'get_time_with_future_uncertainty',
      arguments: { future_seconds: 99999 },
    })) as ToolResult;
    expect(future.isError).toBe(true);
    expect(future.content[0]?.text).toContain('between 0 and 3600');
    const ci = (await client.callTool({
      name: 'get_time_with_confidence_interval',
      arguments: { confidence_level: 1.5 },
    })) as ToolResult;
    expect(ci.isError).toBe(true);
    expect(ci.content[0]?.text).toContain('strictly between 0 and 1');
  });
});

describe('chronotick-mcp when the daemon is not running', () => {
  test('a tool call returns isError with a hint to start the service', async () => {
    const client = await connectAdapter(path.join(tempDir(), 'absent.sock'));
    const result = (await client.callTool({ name: 'get_time', arguments: {} })) as ToolResult;
    expect(result.isError).toBe(true);
    const text = result.content[0]?.text ?? '';
    expect(text).toContain('CT_DAEMON_UNREACHABLE');
    expect(text).toContain('systemctl start chronotick-mcp');
    expect(text).toContain('absent.sock');
    await client.close();
  });

  test('a daemon that stops mid-session turns into isError, and a restarted one is found again', async () => {
    const dir = tempDir();
    let daemon = await startDaemon({ dir });
    const client = await connectAdapter(daemon.socketPath);
    expect(((await client.callTool({ name: 'get_time', arguments: {} })) as ToolResult).isError).toBeFalsy();
    await daemon.stop();
    expect(((await client.callTool({ name: 'get_time', arguments: {} })) as ToolResult).isError).toBe(true);
    daemon = await startDaemon({ dir });
    expect(((await client.callTool({ name: 'get_time', arguments: {} })) as ToolResult).isError).toBeFalsy();
    await client.close();
    await daemon.stop();
  });
});

describe('chronotick-mcp when its host goes away', () => {
  test('a host that closes our stdout ends the session quietly (exit 0, no EPIPE trace)', async () => {
    const child = spawn(process.execPath, [BIN.mcp, '--socket', path.join(tempDir(), 'absent.sock')], {
      env: cleanEnv(OFFLINE_ENV),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const send = (message: object): boolean => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
    const initialized = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    send({
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } },
    });
    await initialized;
    // The host stops reading; stdin stays open, so only the failed write can tell.
    child.stdout.destroy();
    send({ id: 2, method: 'tools/list' });
    expect(await exited).toBe(0);
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('chronotick-mcp --start-daemon', () => {
  test('starts a private daemon when none answers, and stops it when the host goes away', async () => {
    const socketPath = path.join(tempDir(), 'private.sock');
    const client = await connectAdapter(socketPath, ['--start-daemon']);
    const result = (await client.callTool({ name: 'get_daemon_status', arguments: {} })) as ToolResult;
    expect(result.isError).toBeFalsy();
    const daemonPid = result.structuredContent?.pid as number;
    expect(daemonPid).toBeGreaterThan(0);
    expect(fs.existsSync(socketPath)).toBe(true);
    await client.close();
    const deadline = Date.now() + 10_000;
    while (isAlive(daemonPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(isAlive(daemonPid)).toBe(false);
    expect(fs.existsSync(socketPath)).toBe(false);
  });

  test('uses a daemon that already answers instead of starting another', async () => {
    const daemon = await startDaemon();
    const client = await connectAdapter(daemon.socketPath, ['--start-daemon']);
    const result = (await client.callTool({ name: 'get_daemon_status', arguments: {} })) as ToolResult;
    expect(result.structuredContent?.pid).toBe(daemon.process.pid);
    await client.close();
    expect(isAlive(daemon.process.pid as number)).toBe(true);
    await daemon.stop();
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
