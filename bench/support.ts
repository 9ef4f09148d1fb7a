// What every benchmark needs around its measurement: child processes that never outlive it, cleanup steps run
// once on any exit path (newest first), its throwaway database and Redis keys removed, and CPU readings.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { createDb, type Db } from '../src/db/database.ts';
import { ensureDatabase, migrateToLatest } from '../src/db/migrate.ts';
import { deleteKeysMatching } from '../src/redisKeys.ts';

/** A fresh ENCRYPTION_KEY and CLICK_HASH_SECRET for a service started with NODE_ENV=production (it refuses the development defaults). */
export function productionSecrets(): { ENCRYPTION_KEY: string; CLICK_HASH_SECRET: string } {
  return { ENCRYPTION_KEY: randomBytes(32).toString('hex'), CLICK_HASH_SECRET: randomBytes(24).toString('base64url') };
}

export async function dropDatabase(server: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: `${server}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export async function deleteRedisPrefix(url: string, prefix: string): Promise<void> {
  await deleteKeysMatching(url, `${prefix}:*`);
}

export const children = new Set<ChildProcess>();
export const cleanups: Array<{ what: string; run: () => Promise<unknown> }> = [];
let cleaning: Promise<void> | undefined;

export const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

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
