#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ChronoTickClient, clientSocketCandidates, currentSocketUser } from '@chronotick/client';
import { probeDaemon, startPrivateDaemon, type PrivateDaemon } from '../private-daemon';
import { VERSION, createMcpServer } from '../server';

const USAGE = `Usage: chronotick-mcp [--socket PATH] [--start-daemon]

The ChronoTick MCP adapter: an MCP server on stdio that MCP hosts (Claude Code, …)
launch. Its tools — get_time (UTC and any IANA time zone), convert_time,
wait_for_sync, get_daemon_status, get_time_with_future_uncertainty and
get_time_with_confidence_interval — ask chronotickd over its Unix socket;
convert_time needs no daemon.

Options:
  --socket PATH   The daemon's socket (default: CHRONOTICK_SOCKET, then
                  $XDG_RUNTIME_DIR/chronotick/chronotickd.sock, then
                  $TMPDIR/chronotick-$UID/chronotickd.sock, then
                  /run/chronotick/chronotickd.sock)
  --start-daemon  When no daemon answers, start a private chronotickd as a child
                  on the first socket path, and stop it when the MCP host goes away
  -h, --help      Show this help
  -V, --version   Show the version

Logs go to stderr; stdout carries the MCP protocol.`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        socket: { type: 'string' },
        'start-daemon': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'V', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`chronotick-mcp: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`chronotick-mcp ${VERSION}\n`);
    return 0;
  }
  const socketPaths = clientSocketCandidates({ flag: values.socket, env: process.env, user: currentSocketUser() });
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  let privateDaemon: PrivateDaemon | undefined;
  const found = values['start-daemon'] ? await probeDaemon(socketPaths) : 'answers';
  if (found === 'absent') {
    const socketPath = socketPaths[0] as string;
    log(`chronotick-mcp: no daemon answers; starting a private chronotickd on ${socketPath}`);
    privateDaemon = await startPrivateDaemon(socketPath, log);
  } else if (found === 'denied') {
    // Tool calls will say why and what to do; a second daemon would not help.
    log('chronotick-mcp: a daemon is there but this user may not open its socket; not starting another');
  }
  const client = new ChronoTickClient({ socketPaths, timeoutMs: 5000 });
  const server = createMcpServer(client);
  const transport = new StdioServerTransport();

  // The session ends when the host closes our stdin, or closes our stdout under us
  // (a write then fails with EPIPE): either way finish quietly, exit 0.
  let finishing = false;
  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  const finish = (): void => {
    if (finishing) return;
    finishing = true;
    client.close();
    void server
      .close()
      .then(() => privateDaemon?.stop())
      .finally(() => resolveDone(0));
  };
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') log(`chronotick-mcp: stdout: ${err.message}; ending the session`);
    finish();
  });
  // A host that closed stderr too must not turn our last log line into a crash.
  process.stderr.on('error', () => undefined);
  process.stdin.on('end', finish);
  process.stdin.on('close', finish);
  process.on('SIGTERM', finish);
  process.on('SIGINT', finish);

  log(`chronotick-mcp ${VERSION}: serving MCP on stdio; daemon socket ${socketPaths.join(' or ')}`);
  await server.connect(transport);
  return done;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chronotick-mcp: ${String(err)}\n`);
    process.exit(1);
  },
);
