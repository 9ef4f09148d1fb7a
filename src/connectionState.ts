// Whether Redis or Postgres is reachable, as seen by everything in the process that talks to it, so an outage is
// logged once when it starts and once when it ends, not once per request, reconnect attempt, queue or worker.
import type { Redis } from 'ioredis';
import type { Logger } from './log.ts';

export interface ConnectionStateOptions {
  /** While down, checked every probeMs until it answers (so recovery is seen even when nothing else asks). */
  probe?: () => Promise<unknown>;
  probeMs?: number;
  now?: () => number;
}

export class ConnectionState {
  private downSince: number | undefined;
  /** When the last outage ended (ms), for errors that surface after it (see RedisState.reported). */
  private recoveredAt: number | undefined;
  private failures = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
  private stopped = false;
  private readonly now: () => number;

  constructor(
    /** 'redis' or 'postgres': the log lines are "<name> unavailable" and "<name> available again". */
    readonly name: string,
    protected readonly log: Logger,
    private readonly opts: ConnectionStateOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  get available(): boolean {
    return this.downSince === undefined;
  }

  /** A failure talking to the service; logs only when it was thought available until now. */
  failed(err: unknown, source: string): void {
    if (this.downSince !== undefined) {
      this.failures += 1;
      this.log.debug({ dependency: this.name, source, err: errorMessage(err) }, `${this.name} still unavailable`);
      return;
    }
    this.downSince = this.now();
    this.failures = 1;
    this.log.error({ dependency: this.name, source, err: errorMessage(err) }, `${this.name} unavailable`);
    this.startProbe();
  }

  /** The service answered; logs only when it was thought unavailable until now. */
  ok(source: string): void {
    if (this.downSince === undefined) return;
    const downSeconds = Math.round((this.now() - this.downSince) / 100) / 10;
    this.log.info({ dependency: this.name, source, downSeconds, failures: this.failures }, `${this.name} available again`);
    this.downSince = undefined;
    this.recoveredAt = this.now();
    this.failures = 0;
    this.stopProbe();
  }

  /** Unavailable now, or available again for at most `ms`. */
  downWithin(ms: number): boolean {
    return this.downSince !== undefined || (this.recoveredAt !== undefined && this.now() - this.recoveredAt <= ms);
  }

  /** Asks the service now (with the probe): true when it answers. A failure counts as an outage seen by `source`. */
  async check(source: string): Promise<boolean> {
    if (!this.opts.probe) return this.available;
    try {
      await this.opts.probe();
      this.ok(source);
      return true;
    } catch (err) {
      this.failed(err, source);
      return false;
    }
  }

  stop(): void {
    this.stopped = true;
    this.stopProbe();
  }

  private startProbe(): void {
    const probe = this.opts.probe;
    if (!probe || this.probeTimer || this.stopped) return;
    this.probeTimer = setInterval(() => {
      if (this.probing) return;
      this.probing = true;
      probe()
        .then(
          () => this.ok('probe'),
          () => undefined,
        )
        .finally(() => (this.probing = false));
    }, this.opts.probeMs ?? 2000).unref();
  }

  private stopProbe(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }
}

/**
 * Redis as seen by this process: the ioredis clients it owns (each 'error' event is a failed connect or a lost
 * connection; 'ready' is a recovery), plus BullMQ queues and workers, whose own connections report through
 * `failed`. A queue or worker error while every owned client is connected is a straggler of an outage that
 * has already ended (or not about reachability at all) and changes nothing.
 */
export class RedisState extends ConnectionState {
  private readonly clients: Array<{ client: Redis; name: string }> = [];

  constructor(log: Logger, opts: ConnectionStateOptions = {}) {
    super('redis', log, opts);
  }

  track(client: Redis, name: string): void {
    this.clients.push({ client, name });
    client.on('error', (err: Error) => this.failed(err, name));
    client.on('ready', () => {
      if (this.clients.every((c) => c.client.status === 'ready')) this.ok(name);
    });
  }

  /** An error from a queue or worker (their connections are BullMQ's own duplicates of ours). */
  reported(err: unknown, source: string): boolean {
    if (isLockLost(err) && this.downWithin(LOCK_STRAGGLER_MS)) {
      this.log.debug({ dependency: this.name, source, err: errorMessage(err) }, 'job lock lost in the redis outage; the job is taken up again as stalled');
      return true;
    }
    if (!isConnectionError(err)) return false;
    if (this.available && this.clients.length > 0 && this.clients.every((c) => c.client.status === 'ready')) return true;
    this.failed(err, source);
    return true;
  }
}

/**
 * A job that was running when Redis went away cannot renew its lock, so finishing it fails with "Missing lock"
 * (BullMQ moves it back as a stalled job and runs it again). Seen during an outage or within this long after it,
 * that is a consequence of the outage already logged, not news; any other time it is (a job outran its lock).
 */
const LOCK_STRAGGLER_MS = 60_000;
const isLockLost = (err: unknown) => err instanceof Error && /^(Missing lock|Lock mismatch) for job/.test(err.message);

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);

/** An error that says the service could not be reached (rather than that it refused what was asked). */
export function isConnectionError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
  // Node's AggregateError for a host with several addresses (IPv4 and IPv6) carries the codes inside.
  if (Array.isArray(e.errors) && e.errors.some(isConnectionError)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  // LOADING: a Redis that has just come back answers so while it reads its append-only file (still the outage).
  return /^LOADING\b|Connection is closed|Connection terminated|is not queryable|connection has been discarded|connect ECONNREFUSED|timeout exceeded when trying to connect|Stream isn't writeable|Reached the max retries per request limit/i.test(
    message,
  );
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || (err as { code?: string }).code || err.name;
  return String(err);
}

/**
 * The promise, or a rejection once `ms` have passed: an error with code ETIMEDOUT (so `isConnectionError` counts it as
 * the service being unreachable: a stalled connection answers nothing, which is no different to whoever waits). The
 * promise itself is left to settle unheard.
 */
export function unlessStalled<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} timed out after ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
    timer.unref();
  });
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
