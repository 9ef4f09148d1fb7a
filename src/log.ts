// Structured logs (pino). JSON lines for machines; in a terminal, or with LOG_FORMAT=pretty, one readable line per
// event through pino-pretty. Pretty printing runs as a synchronous stream in this thread (not a worker-thread
// transport), so what is logged right before process.exit() is still written.
import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerOptions {
  /** auto (pretty when the output is a terminal, else JSON), pretty or json. Default: $LOG_FORMAT, else auto. */
  format?: LogFormat | undefined;
  /** Where lines go (tests capture them here). Default: stdout. */
  destination?: DestinationStream | NodeJS.WritableStream | undefined;
}

/** pretty or json, for a format setting and whether the output is a terminal. */
export function resolveLogFormat(format: LogFormat, isTTY: boolean): 'pretty' | 'json' {
  if (format === 'auto') return isTTY ? 'pretty' : 'json';
  return format;
}

function formatFromEnv(): LogFormat {
  // Validated by the config schema before the first logger is made; anything else falls back to auto.
  const v = process.env.LOG_FORMAT;
  return (LOG_FORMATS as readonly string[]).includes(v ?? '') ? (v as LogFormat) : 'auto';
}

export function createLogger(level: string, base: Record<string, unknown> = {}, opts: LoggerOptions = {}): Logger {
  const options = { level, base: { service: 'affiliate', ...base }, redact: ['req.headers.authorization', 'token', 'botToken'] };
  const destination = opts.destination;
  const isTTY = destination ? Boolean((destination as { isTTY?: boolean }).isTTY) : Boolean(process.stdout.isTTY);
  if (level !== 'silent' && resolveLogFormat(opts.format ?? formatFromEnv(), isTTY) === 'pretty') {
    const stream = pretty({
      sync: true,
      destination: destination ?? 1,
      colorize: isTTY && pretty.isColorSupported,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,service',
      singleLine: true,
    });
    return pino(options, stream);
  }
  return destination ? pino(options, destination as DestinationStream) : pino(options);
}
