#!/usr/bin/env node
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, formatConfigError, loadConfig, presetNames, resolveConfigArg } from '@chronotick/config';
import { daemonSocketPath, userFallbackSocketPath } from '@chronotick/protocol';
import { SystemHostClock } from '@chronotick/ntp';
import { USAGE, parseDaemonArgs, resolveStateDir } from '../cli';
import { Daemon } from '../daemon';
import { createLogger } from '../log';
import { SocketInUseError, ensurePrivateDirectory } from '../server/socket-file';
import { VERSION } from '../version';
import { Exit } from './exit-codes';

async function main(): Promise<number> {
  let args;
  try {
    args = parseDaemonArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`chronotickd: ${(err as Error).message}\n\n${USAGE}\n`);
    return Exit.Usage;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.version) {
    process.stdout.write(`chronotickd ${VERSION}\n`);
    return 0;
  }

  let config;
  try {
    config = loadConfig({ file: resolveConfigArg(args.config), env: process.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      const check = args.config === undefined ? 'chronotickctl config check' : `chronotickctl config check ${args.config}`;
      process.stderr.write(
        `chronotickd: configuration error: ${formatConfigError(err)}\nhint: fix what is named above; \`${check}\` checks it without starting the daemon` +
          ` (presets by name: ${presetNames().join(', ')})\n`,
      );
      return Exit.Config;
    }
    throw err;
  }

  const isRoot = process.getuid?.() === 0;
  const logger = createLogger({
    level: args.debugTrace ? 'trace' : config.logging.level,
    format: args.logFormat ?? config.logging.format,
    file: args.debugLogFile,
    fileLevel: args.debugTrace ? 'trace' : 'debug',
  });
  const clock = new SystemHostClock();
  const user = { uid: process.getuid?.(), tmpDir: os.tmpdir() };
  const socketPath = daemonSocketPath({ flag: args.socket, configPath: config.socket_path, env: process.env, isRoot, user });
  const daemon = new Daemon({
    config,
    socketPath,
    stateDir: resolveStateDir({ flag: args.stateDir, configDir: config.state_dir, env: process.env, isRoot }),
    logsDir: process.env.LOGS_DIRECTORY?.split(':')[0],
    logger,
    clock,
  });

  // Signal handlers go in before start(): the socket answers as soon as it listens,
  // and a SIGTERM that arrives while start() finishes must still drain and exit 0.
  let signalled: string | undefined;
  let onSignal: (signal: string) => void = (signal) => {
    signalled ??= signal;
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));

  try {
    if (socketPath === userFallbackSocketPath(user)) {
      // No $XDG_RUNTIME_DIR (ssh, containers, CI): a private folder in the temp
      // directory, where chronotickctl and chronotick-mcp look too.
      logger.info(`no XDG_RUNTIME_DIR: using the per-user socket ${socketPath}`);
      await ensurePrivateDirectory(path.dirname(socketPath), socketPath);
    }
    await daemon.start();
  } catch (err) {
    logger.error((err as Error).message);
    await logger.close();
    return err instanceof SocketInUseError ? Exit.SocketInUse : Exit.Runtime;
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    onSignal = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info(`${signal}: stopping — no new connections, finishing in-flight requests`);
      daemon
        .stop()
        .then(() => logger.info('stopped'))
        .catch((err: unknown) => logger.error(`error while stopping: ${String(err)}`))
        .finally(() => void logger.close().then(() => resolve(Exit.Ok)));
    };
    if (signalled) onSignal(signalled);
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chronotickd: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(Exit.Runtime);
  },
);
