import * as fs from 'node:fs';

/** Levels from most to least severe; `trace` is what --debug-trace turns on. */
const LEVELS = { error: 0, warn: 1, info: 2, debug: 3, trace: 4 } as const;
export type LogLevel = keyof typeof LEVELS;

export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  trace(message: string, meta?: Record<string, unknown>): void;
  isLevelEnabled(level: LogLevel): boolean;
  /** Flushes and closes every transport; resolves when they are done. */
  close(): Promise<void>;
}

export interface LoggerOptions {
  level: LogLevel;
  format: 'text' | 'json';
  /** Extra file that gets everything at `fileLevel` as JSON lines (--debug-log-file). */
  file?: string | undefined;
  fileLevel?: LogLevel;
  /** 'stderr' for programs whose stdout carries a protocol. */
  stream?: 'stdout' | 'stderr';
}

/**
 * syslog-style prefixes (`<3>` for err …) so journald files each line under its
 * priority when the daemon runs under systemd (it sets JOURNAL_STREAM then).
 */
const JOURNAL_PRIORITY: Record<string, number> = { error: 3, warn: 4, info: 6, debug: 7, trace: 7 };

type Meta = Record<string, unknown> | undefined;

function textLine(level: LogLevel, message: string, meta: Meta, timestamp: string): string {
  const rest = Object.entries(meta ?? {})
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  const prefix = process.env.JOURNAL_STREAM ? `<${JOURNAL_PRIORITY[level] ?? 6}>` : `${timestamp} `;
  return `${prefix}${level.padEnd(5)} ${message}${rest ? ` ${rest}` : ''}`;
}

function jsonLine(level: LogLevel, message: string, meta: Meta, timestamp: string): string {
  return JSON.stringify({ level, message, ...meta, timestamp });
}

/**
 * The daemon's logger: one line per event to stdout (warnings and errors to stderr,
 * or everything to stderr for a program whose stdout is a protocol), text or JSON,
 * and everything at `fileLevel` as JSON lines to `file`. Our own few lines rather than
 * winston, whose 23 packages were a seventh of an installed daemon's dependencies.
 * Writes to pipes and files are synchronous on Linux, so nothing is lost at exit.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const consoleLevel = LEVELS[opts.level];
  const fileLevel = LEVELS[opts.fileLevel ?? 'debug'];
  const file = opts.file ? fs.createWriteStream(opts.file, { flags: 'a' }) : undefined;
  // A log file that cannot be written must not take the daemon down.
  file?.on('error', (err) => process.stderr.write(`log file ${opts.file ?? ''}: ${err.message}\n`));
  const format = opts.format === 'json' ? jsonLine : textLine;
  const log = (level: LogLevel, message: string, meta: Meta): void => {
    const timestamp = new Date().toISOString();
    if (LEVELS[level] <= consoleLevel) {
      const toStderr = opts.stream === 'stderr' || level === 'error' || level === 'warn';
      (toStderr ? process.stderr : process.stdout).write(`${format(level, message, meta, timestamp)}\n`);
    }
    if (file && LEVELS[level] <= fileLevel) file.write(`${jsonLine(level, message, meta, timestamp)}\n`);
  };
  return {
    error: (m, meta) => log('error', m, meta),
    warn: (m, meta) => log('warn', m, meta),
    info: (m, meta) => log('info', m, meta),
    debug: (m, meta) => log('debug', m, meta),
    trace: (m, meta) => log('trace', m, meta),
    isLevelEnabled: (level) => LEVELS[level] <= consoleLevel || (file !== undefined && LEVELS[level] <= fileLevel),
    close: () =>
      new Promise<void>((resolve) => {
        if (!file) return resolve();
        file.end(() => resolve());
        setTimeout(resolve, 1000).unref();
      }),
  };
}

/** A logger that drops everything: for the replay and the simulator, which report their own figures. */
export const silentLogger: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  trace: () => undefined,
  isLevelEnabled: () => false,
  close: async () => undefined,
};
