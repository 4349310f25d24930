import { pino, type Logger as PinoLogger } from 'pino';
import { DefaultLogger, Runtime, makeTelemetryFilterString, type LogLevel, type LogMetadata } from '@temporalio/worker';
import { releaseAtProcessEnd } from './process-end.ts';

/** Keys whose values are secrets wherever they appear in a log record. */
export const REDACTED_PATHS = [
  'apiKey',
  '*.apiKey',
  '*.*.apiKey',
  'headers["api-key"]',
  'headers["Api-Key"]',
  '*.headers["api-key"]',
  '*.headers["Api-Key"]',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'secret',
  '*.secret',
  'secretValue',
  '*.secretValue',
  'token',
  '*.token',
  'password',
  '*.password',
];

export interface LoggerOptions {
  level?: string;
  format?: 'auto' | 'json' | 'pretty';
  /** Defaults to stderr, so commands that print JSON keep stdout clean. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): PinoLogger {
  const destination = options.destination ?? process.stderr;
  const pretty =
    options.format === 'pretty' || (options.format !== 'json' && (destination as { isTTY?: boolean }).isTTY === true);
  const base = {
    level: options.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
  };
  if (pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss' } },
    });
  }
  return pino(base, destination as pino.DestinationStream);
}

const TEMPORAL_TO_PINO: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

let installed = false;

/**
 * Installs one pino logger as the Temporal Runtime logger (worker, workflow `log`, activity `log`),
 * and with `metricsBindAddress` the SDK's Prometheus exporter there (the worker's /metrics reads it).
 */
export function installRuntimeLogger(logger: PinoLogger, metricsBindAddress?: string): void {
  if (installed) return;
  installed = true;
  const level = (logger.level === 'silent' ? 'ERROR' : logger.level.toUpperCase()) as LogLevel;
  const temporalLevel: LogLevel = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'].includes(level) ? level : 'INFO';
  // The runtime ends itself when its last connection closes; a command that failed before opening
  // one would otherwise never exit, the runtime's log forwarding holding the event loop.
  releaseAtProcessEnd(async () => Runtime._instance?.shutdown());
  Runtime.install({
    logger: new DefaultLogger(temporalLevel, (entry) => {
      const meta: LogMetadata = { ...(entry.meta ?? {}) };
      logger[TEMPORAL_TO_PINO[entry.level]](meta, entry.message);
    }),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      ...(metricsBindAddress ? { metrics: { prometheus: { bindAddress: metricsBindAddress } } } : {}),
    },
  });
}
