// What every benchmark needs around its measurement: child processes that never outlive it, cleanup steps run
// once on any exit path (newest first), its throwaway database and Redis keys removed, and CPU readings.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createServer } from 'node:net';
import autocannon from 'autocannon';
import { createDb, type Db } from '../src/db/database.ts';
import { dropDatabase as dropDatabaseAt } from '../src/db/dropDatabase.ts';
import { ensureDatabase, migrateToLatest } from '../src/db/migrate.ts';
import { deleteKeysMatching } from '../src/redisKeys.ts';

/** The Postgres server a benchmark creates its throwaway database on (no database name in it). */
export const PG_SERVER = (process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432').replace(/\/+$/, '');
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Where bench servers listen. */
export const HOST = '127.0.0.1';

/**
 * What a phone browser sends when a follower taps a link in a bio (a referrer policy of strict-origin-when-cross-origin
 * leaves only the origin). Every request looks like one person.
 */
export const BROWSER_HEADERS: Readonly<Record<string, string>> = {
  'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'accept-language': 'en-US,en;q=0.9',
  'accept-encoding': 'gzip, deflate, br',
  referer: 'https://www.instagram.com/',
  'sec-fetch-dest': 'document',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'cross-site',
  'upgrade-insecure-requests': '1',
};

/** A fresh ENCRYPTION_KEY and CLICK_HASH_SECRET for a service started with NODE_ENV=production (it refuses the development defaults). */
export function productionSecrets(): { ENCRYPTION_KEY: string; CLICK_HASH_SECRET: string } {
  return { ENCRYPTION_KEY: randomBytes(32).toString('hex'), CLICK_HASH_SECRET: randomBytes(24).toString('base64url') };
}

export function dropDatabase(server: string, name: string): Promise<void> {
  return dropDatabaseAt(`${server}/${name}`);
}

export async function deleteRedisPrefix(url: string, prefix: string): Promise<void> {
  await deleteKeysMatching(url, `${prefix}:*`);
}

export const children = new Set<ChildProcess>();
export const cleanups: Array<{ what: string; run: () => Promise<unknown> }> = [];
let cleaning: Promise<void> | undefined;

export const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** The repository's root: where bench children run. */
const ROOT_DIR = path.resolve(import.meta.dirname, '..');

/**
 * Starts `node <args>` in the repository, registered so it never outlives the bench; its stderr, and its stdout but
 * for the "listening <port>" line, are forwarded with a `[name]` prefix so problems are visible.
 */
export function startChild(name: string, args: string[], env: Record<string, string>, ipc = false): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: ROOT_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? (['ipc'] as const) : [])],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const forward = (stream: NodeJS.ReadableStream | null, skip?: RegExp) => {
    let rest = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.trim() && !skip?.test(line)) process.stderr.write(`[${name}] ${line}\n`);
    });
  };
  forward(child.stdout, /^listening \d+$/);
  forward(child.stderr);
  return child;
}

/** Resolves when the child exits (at once if it has), with its code and signal; rejects after `timeoutMs`. */
export function waitExit(child: ChildProcess, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (!alive(child)) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`process ${child.pid} did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** SIGTERM, then waits for the exit. */
export async function stopChild(child: ChildProcess, timeoutMs: number) {
  if (alive(child)) child.kill('SIGTERM');
  return waitExit(child, timeoutMs);
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 2xx; fails at once if the child exits first. */
export async function waitReady(url: string, child: ChildProcess, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    if (!alive(child)) throw new Error(`server exited (code ${child.exitCode}, signal ${child.signalCode}) before ${url} was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      last = `${res.status} ${await res.text()}`;
      if (res.ok) return;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms; last answer: ${last}`);
}

/** The port a child prints as "listening <port>" on stdout (bench helper servers do). */
export function waitListening(child: ChildProcess, what: string, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start listening in time`)), timeoutMs);
    child.stdout?.on('data', (chunk: string) => {
      buf += chunk;
      const m = /listening (\d+)/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with code ${code} before listening`));
    });
  });
}

/** With BENCH_CPU_PROF=<dir>, the node arguments that make a child write a V8 CPU profile to <dir>/<name>/ when it exits. */
export function cpuProfileArgs(name: string): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(ROOT_DIR, dir, name)}`] : [];
}

/**
 * Starts the real web server (`node --import tsx src/main.ts --role web`, NODE_ENV=production) on a free port, on a
 * benchmark's database and queue prefix, and waits for /readyz. Its child and profile (see cpuProfileArgs) are `name`.
 */
export async function startWebServer(
  name: string,
  databaseUrl: string,
  queuePrefix: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const url = `http://${HOST}:${port}`;
  const child = startChild(name, [...cpuProfileArgs(name), '--import', 'tsx', 'src/main.ts', '--role', 'web'], {
    PORT: String(port),
    HOST,
    PUBLIC_BASE_URL: url,
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    ...productionSecrets(),
    ...env,
  });
  await waitReady(`${url}/readyz`, child);
  return { child, url };
}

export function killChildren(signal: NodeJS.Signals) {
  for (const child of children) {
    if (!alive(child) || !child.pid) continue;
    try {
      // A child started in its own process group (GNU time → node → esbuild) is taken down whole.
      process.kill(-child.pid, signal);
    } catch {
      child.kill(signal);
    }
  }
}

export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    killChildren('SIGKILL');
    for (const { what, run } of cleanups.reverse()) {
      try {
        await run();
      } catch (err) {
        console.error(`cleanup: ${what} failed: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}

process.on('exit', () => killChildren('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping children and cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** CPU time (user + system) of a process, ms, from /proc (Linux); undefined elsewhere. */
export function procCpuMs(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return undefined;
  }
}

/** CPU time the whole machine spent busy, ms (Linux /proc/stat, USER_HZ = 1/100 s); undefined elsewhere. */
export function machineBusyMs(): number | undefined {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 10;
  } catch {
    return undefined;
  }
}

/** CPU shares during a load run (Linux /proc). */
export interface CpuShare {
  /** Server CPU time per answered request, µs (user + system, all its threads). */
  serverUsPerReq: number;
  /** Average cores busy during the run: the server, this load generator, and everything else (Postgres, Redis, other users). */
  serverCores: number;
  loaderCores: number;
  restCores: number;
}

/** The two table columns of a CpuShare, and the note that explains them under the table. */
export const CPU_COLUMNS = ['server CPU µs/req', 'cores: server/loader/rest'];
export const CPU_NOTE = 'cores: average CPU cores busy during the run; "rest" is Postgres, Redis and anything else on the machine (other users too)';

/** A row's CPU_COLUMNS cells (server µs per request to `usDigits` decimals), n/a where /proc is not. */
export function cpuCells(cpu: CpuShare | undefined, usDigits: number): string[] {
  if (!cpu) return ['n/a', 'n/a'];
  return [cpu.serverUsPerReq.toFixed(usDigits), `${cpu.serverCores.toFixed(2)}/${cpu.loaderCores.toFixed(2)}/${cpu.restCores.toFixed(2)}`];
}

/** A load's throughput and latency cells: requests (or answers) a second, p50 and p99 in ms. */
export function loadCells(r: { rps: number; p50: number; p99: number }): string[] {
  return [r.rps.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2)];
}

/** Runs a load against a server child and accounts for the CPU spent meanwhile (`cpu` absent where /proc is not). */
export async function withCpuShare<T extends { times: ArrayLike<number> }>(
  server: ChildProcess,
  run: () => Promise<T>,
): Promise<T & { cpu?: CpuShare | undefined }> {
  const wall0 = performance.now();
  const server0 = procCpuMs(server.pid);
  const machine0 = machineBusyMs();
  const self0 = process.cpuUsage();
  const answers = await run();
  const self = process.cpuUsage(self0);
  const wall = performance.now() - wall0;
  const server1 = procCpuMs(server.pid);
  const machine1 = machineBusyMs();
  if (server0 === undefined || server1 === undefined || machine0 === undefined || machine1 === undefined) return answers;
  const serverMs = server1 - server0;
  const loaderMs = (self.user + self.system) / 1000;
  return {
    ...answers,
    cpu: {
      serverUsPerReq: (serverMs * 1000) / Math.max(1, answers.times.length),
      serverCores: serverMs / wall,
      loaderCores: loaderMs / wall,
      restCores: Math.max(0, machine1 - machine0 - serverMs - loaderMs) / wall,
    },
  };
}

/** The p-th percentile of sorted values (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** An autocannon load of `amount` requests (a warm-up) or of `duration` seconds, optionally at `overallRate` req/s. */
export type AutocannonOptions = {
  connections: number;
  overallRate?: number;
  /** Each request from another visitor (its own x-forwarded-for address, of about a million), instead of one. */
  manyVisitors?: boolean;
} & ({ amount: number } | { duration: number });

/** A new client address for every request: 10.x.y.z, cycling through about 16.7 million. */
function nextVisitor(): () => string {
  let n = 0;
  return () => {
    n = (n + 1) & 0xffffff;
    return `10.${n >>> 16}.${(n >>> 8) & 0xff}.${n & 0xff}`;
  };
}

/**
 * Loads `url` with autocannon, sending the browser's headers; keeps every response's own time, ms, with
 * sub-millisecond precision (autocannon's histogram keeps whole ms).
 */
export function autocannonTimed(url: string, opts: AutocannonOptions): Promise<{ result: autocannon.Result; times: Float64Array }> {
  let times = new Float64Array(1 << 16);
  let n = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: opts.connections,
        pipelining: 1,
        headers: BROWSER_HEADERS,
        timeout: 10,
        ...(opts.manyVisitors ? manyVisitorRequests() : {}),
        ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
        ...('amount' in opts ? { amount: opts.amount } : { duration: opts.duration }),
      },
      (err: unknown, result: autocannon.Result) =>
        err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve({ result, times: times.subarray(0, n) }),
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      if (n === times.length) {
        const grown = new Float64Array(times.length * 2);
        grown.set(times);
        times = grown;
      }
      times[n++] = responseTime;
    });
  });
}

function manyVisitorRequests() {
  const visitor = nextVisitor();
  return {
    requests: [
      {
        setupRequest: (req: autocannon.Request) => ({ ...req, headers: { ...req.headers, 'x-forwarded-for': visitor() } }),
      },
    ],
  };
}

/** Prints a table: the columns `leftAligned` says yes to padded on the right (text), the others on the left (figures). */
export function printTable(head: string[], body: string[][], leftAligned: (column: number) => boolean = (i) => i === 0): void {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (leftAligned(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

/** A positive whole number from the environment (a benchmark knob), or the default when unset. */
export function intEnv(name: string, def: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

/**
 * Creates and migrates a benchmark's throwaway database. Closing its pool and dropping it (unless `keep`, for
 * EXPLAIN afterwards) are registered as cleanup steps.
 */
export async function throwawayDatabase(server: string, name: string, opts: { poolSize?: number; keep?: boolean } = {}): Promise<Db> {
  cleanups.push({
    what: `drop database ${name}`,
    run: async () => {
      if (opts.keep) return console.log(`kept database ${name} (BENCH_KEEP_DB=1): DROP DATABASE ${name} WITH (FORCE) when done`);
      await dropDatabase(server, name);
    },
  });
  const url = `${server}/${name}`;
  await ensureDatabase(url);
  const db = createDb(url, opts.poolSize ?? 2);
  cleanups.push({ what: `close ${name} pool`, run: () => db.destroy() });
  await migrateToLatest(db);
  return db;
}

/** Registers the removal of every Redis key under a benchmark's queue prefix as a cleanup step. */
export function removeRedisPrefixOnExit(url: string, prefix: string): void {
  cleanups.push({ what: `delete Redis keys ${prefix}:*`, run: () => deleteRedisPrefix(url, prefix) });
}

/** Runs a benchmark's entry point, then every cleanup step whatever happened, and exits with its code. */
export async function runBench(run: () => Promise<number>): Promise<never> {
  let code = 1;
  try {
    code = await run();
  } catch (err) {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    code = 1;
  } finally {
    await cleanup();
  }
  process.exit(code);
}
