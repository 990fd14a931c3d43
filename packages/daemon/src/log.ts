import * as winston from 'winston';

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

const textLine = winston.format.printf((info) => {
  const { level, message, timestamp, ...meta } = info as winston.Logform.TransformableInfo & { timestamp?: string };
  const rest = Object.entries(meta)
    .filter(([key]) => typeof key === 'string')
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  const prefix = process.env.JOURNAL_STREAM ? `<${JOURNAL_PRIORITY[level] ?? 6}>` : `${timestamp ?? ''} `;
  return `${prefix}${level.padEnd(5)} ${String(message)}${rest ? ` ${rest}` : ''}`;
});

export function createLogger(opts: LoggerOptions): Logger {
  const console = new winston.transports.Console({
    level: opts.level,
    stderrLevels: opts.stream === 'stderr' ? Object.keys(LEVELS) : ['error', 'warn'],
    format:
      opts.format === 'json'
        ? winston.format.combine(winston.format.timestamp(), winston.format.json())
        : winston.format.combine(winston.format.timestamp(), textLine),
  });
  const transports: winston.transport[] = [console];
  if (opts.file) {
    transports.push(
      new winston.transports.File({
        filename: opts.file,
        level: opts.fileLevel ?? 'debug',
        format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      }),
    );
  }
  const logger = winston.createLogger({ levels: LEVELS, level: 'trace', transports });
  return {
    error: (m, meta) => logger.log('error', m, meta),
    warn: (m, meta) => logger.log('warn', m, meta),
    info: (m, meta) => logger.log('info', m, meta),
    debug: (m, meta) => logger.log('debug', m, meta),
    trace: (m, meta) => logger.log('trace', m, meta),
    isLevelEnabled: (level) => transports.some((t) => LEVELS[(t.level ?? 'info') as LogLevel] >= LEVELS[level]),
    close: () =>
      new Promise<void>((resolve) => {
        logger.on('finish', () => resolve());
        logger.end();
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
