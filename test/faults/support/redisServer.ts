// A redis-server of the test's own on a free port (never the shared one on 6379), to stop, kill and start at will.
// Without persistence (the default here) a restart comes back empty: every queued job and job scheduler is gone, as
// after a failover to an empty replica or a Redis run without a disk. With `persist` it keeps its data (append-only
// file), so a restart is only an outage.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:net';

/**
 * A port for this fork's next redis-server. Not the OS's pick of a free port: a server stopped for an outage frees
 * its port, and a test in the other fork asking the OS could be given it and start its own server there, so the
 * first test's clients would reconnect to a stranger. Each fork takes ports from a range of its own, in turn.
 */
let taken = 0;
async function forkPort(): Promise<number> {
  const fork = Number(process.env.VITEST_POOL_ID ?? 0);
  for (;;) {
    const port = 21_000 + (fork % 16) * 500 + (taken++ % 500);
    if (await isFree(port)) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  const srv = createServer();
  return new Promise((resolve) => {
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export class RedisServer {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'faults-redis-'));

  private constructor(
    readonly port: number,
    private readonly persist: boolean,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(opts: { persist?: boolean } = {}): Promise<RedisServer> {
    const redis = new RedisServer(await forkPort(), opts.persist ?? false);
    await redis.start();
    return redis;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the server (again) on its port and resolves once it accepts connections. */
  async start(): Promise<void> {
    const persistence = this.persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', this.dir, '--maxmemory-policy', 'noeviction'];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}: ${out}`));
      });
    });
    child.stdout!.resume();
  }

  /** Stops the server (SIGTERM, or SIGKILL: gone at once, mid-command) and resolves once it has exited. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
