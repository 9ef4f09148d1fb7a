// The service as an operator runs it (`node --import tsx src/main.ts [--role …]`), as a child process of the fault
// suite, against the suite's database (through a relay) and a redis-server of the test file's own. Its output is
// JSON log lines; whatever in it says an error went unhandled is a problem the scenario fails on, and so is the
// process exiting by itself.
import { mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { startService, freePort, type Service } from '../../support/processes.ts';

export const FEED_TOKEN = 'fault-suite-feed-token-0123456789';
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Lines that say something went unheard: an uncaught exception or unhandled rejection (logged by src/main.ts before
 * Node ends the process), an 'error' event nobody listened to (thrown by Node, or printed by ioredis). */
const UNHEARD = /"msg":"(uncaught exception|unhandled rejection)"|Unhandled error event|Unhandled 'error' event|ERR_UNHANDLED_ERROR|"level":60/;

export interface FaultService extends Service {
  name: string;
  pid: number;
  /** Ready-check URL: /readyz of the web role, /metrics (METRICS_PORT) of a worker-only one. */
  readyUrl: string;
  alive(): boolean;
  /** Every parsed JSON log line so far. */
  logs(): Array<Record<string, unknown> & { msg?: string; level?: number }>;
  /** Lines that say an error went unheard, and an exit the test did not ask for. */
  problems(): string[];
  /** SIGKILL to its process group: gone at once, mid-whatever. */
  kill(): Promise<void>;
}

export interface ServiceOptions {
  /** Also its Postgres application_name (faults-<name>), to find and terminate its connections. */
  name: string;
  role?: 'all' | 'web' | 'worker';
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  /** Shared by a web process and its workers (uploads wait there for the ingest worker). */
  storageDir?: string;
  env?: Record<string, string>;
}

/** A directory for uploaded reports, inside the suite's own temporary directory (removed at the end of the run). */
export const storageDir = () => mkdtempSync(path.join(path.dirname(inject('faultFigures')), 'storage-'));

export async function startFaultService(opts: ServiceOptions): Promise<FaultService> {
  const role = opts.role ?? 'all';
  const port = await freePort();
  const metricsPort = role === 'worker' ? await freePort() : undefined;
  const db = new URL(opts.databaseUrl);
  db.searchParams.set('application_name', `faults-${opts.name}`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: 'http://links.test',
    DATABASE_URL: db.toString(),
    REDIS_URL: opts.redisUrl,
    QUEUE_PREFIX: opts.queuePrefix,
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    CLICK_FLUSH_MS: '100',
    CLICK_HASH_SECRET: 'fault-suite-click-secret',
    FEED_API_TOKEN: FEED_TOKEN,
    FEED_STORAGE_DIR: opts.storageDir ?? storageDir(),
    // A dead worker's job is taken up within seconds; the reconciler looks every 2 s; a cold link waits 1 s at most.
    JOB_LOCK_MS: '3000',
    RECONCILE_EVERY_MS: '2000',
    REDIRECT_LOOKUP_TIMEOUT_MS: '1000',
    METRICS_PORT: metricsPort === undefined ? '' : String(metricsPort),
    METRICS_TOKEN: '',
    ...opts.env,
  };
  const args = ['--import', 'tsx', 'src/main.ts', '--role', role];
  const service = await startService(process.execPath, args, {
    cwd: ROOT,
    port: metricsPort ?? port,
    env,
    readyMs: 60_000,
    ...(metricsPort === undefined ? {} : { readyPath: '/metrics' }),
  });
  let stopping = false;
  const stop = service.stop.bind(service);
  const parsed = () =>
    service
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown> & { msg?: string; level?: number };
        } catch {
          return { msg: l };
        }
      });
  return Object.assign(service, {
    url: `http://127.0.0.1:${port}`,
    readyUrl: metricsPort === undefined ? `http://127.0.0.1:${port}/readyz` : `http://127.0.0.1:${metricsPort}/metrics`,
    name: opts.name,
    pid: service.child.pid!,
    alive: () => service.child.exitCode === null && service.child.signalCode === null,
    logs: parsed,
    problems: () => {
      const found = service
        .output()
        .split('\n')
        .filter((l) => UNHEARD.test(l));
      if (!stopping && !(service.child.exitCode === null && service.child.signalCode === null))
        found.push(`${opts.name} exited by itself (${service.child.exitCode ?? service.child.signalCode})`);
      return found;
    },
    async stop(graceMs?: number) {
      stopping = true;
      return stop(graceMs);
    },
    async kill() {
      stopping = true;
      const exited = new Promise((r) => service.child.once('exit', r));
      process.kill(-service.child.pid!, 'SIGKILL');
      await exited;
    },
  });
}

/** Status of a GET, 0 when it could not be asked (refused, timed out). */
export async function statusOf(url: string, timeoutMs = 5000): Promise<number> {
  try {
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** The service's peak resident memory so far, MB (VmHWM of its process). */
export function peakRssMb(service: FaultService): number {
  const status = readFileSync(`/proc/${service.pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) / 1024;
}
