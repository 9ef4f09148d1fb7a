// What the main thread and the click writer's thread say to each other (./clickThread.ts, ./clickThreadWorker.ts).
import type { ClickKind } from '../../db/schema.ts';

/** Values per click in a hand-off: link id, epoch ms, ip, user agent, referer, country (null for absent). */
export const CLICK_FIELDS = 6;

export interface ThreadSettings {
  databaseUrl: string;
  /** Absent: repeats are judged by the thread's memory alone. */
  redisUrl?: string | undefined;
  queuePrefix: string;
  secret: string;
  flushMs: number;
  batchSize: number;
  maxBuffered: number;
  poolSize: number;
  statementTimeoutMs?: number | undefined;
}

export type ToThread = { t: 'clicks'; data: Array<string | number | null> } | { t: 'flush'; id: number } | { t: 'stop'; deadlineMs: number };

/** Clicks the thread has taken in so far, how many wait in it, and when the oldest of those was clicked (epoch ms). */
export interface ThreadStatus {
  received: number;
  depth: number;
  oldest: number | null;
}

export interface ErrorFields {
  name: string;
  message: string;
  code?: string | undefined;
  stack?: string | undefined;
}

export type FromThread = ThreadStatus &
  (
    | { t: 'status' }
    | { t: 'written'; kind: ClickKind; n: number }
    | { t: 'dropped'; n: number }
    | { t: 'error'; error: ErrorFields }
    | { t: 'flushed'; id: number }
    | { t: 'stopped'; left: number }
  );

/** An error as plain fields: a structured clone keeps an Error's message but not its code (ECONNREFUSED, 57P01…). */
export function errorFields(err: unknown): ErrorFields {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  // Node's AggregateError (a host with IPv4 and IPv6 addresses) carries the codes inside.
  const inner = (err as { errors?: unknown }).errors;
  const code = (err as { code?: unknown }).code ?? (Array.isArray(inner) ? (inner[0] as { code?: unknown } | undefined)?.code : undefined);
  return { name: err.name, message: err.message, code: typeof code === 'string' ? code : undefined, stack: err.stack };
}

export function errorFrom(f: ErrorFields): Error {
  const err = Object.assign(new Error(f.message), f.code === undefined ? {} : { code: f.code });
  err.name = f.name;
  if (f.stack) err.stack = f.stack;
  return err;
}
