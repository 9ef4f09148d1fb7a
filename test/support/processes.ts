// The service as an operator runs it: a child process started with a command line, asked over HTTP, stopped
// with SIGTERM.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { waitFor } from './wait.ts';

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

export interface Service {
  url: string;
  child: ChildProcessWithoutNullStreams;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /**
   * Ctrl+C in a terminal: SIGINT to the whole process group (npm does not pass signals on to the script it runs),
   * then waits until every process of the group is gone; SIGKILL after `graceMs`. Resolves true when the group
   * stopped by itself.
   */
  stop(graceMs?: number): Promise<boolean>;
}

const groupAlive = (pid: number) => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Starts `command args` in `cwd`, in a process group of its own, and resolves once GET /readyz answers 200 (or
 * `readyPath`: a worker-only process has no /readyz, but serves /metrics on METRICS_PORT once it has started).
 */
export async function startService(
  command: string,
  args: string[],
  opts: { cwd: string; port: number; env: NodeJS.ProcessEnv; readyMs?: number; readyPath?: string },
): Promise<Service> {
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${opts.port}`;
  const pid = child.pid!;
  const service: Service = {
    url,
    child,
    output: () => out,
    async stop(graceMs = 20_000) {
      if (!groupAlive(pid)) return true;
      process.kill(-pid, 'SIGINT');
      const until = Date.now() + graceMs;
      while (groupAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      if (!groupAlive(pid)) return true;
      process.kill(-pid, 'SIGKILL');
      return false;
    },
  };
  try {
    await waitFor(
      async () =>
        child.exitCode !== null
          ? -1
          : await fetch(`${url}${opts.readyPath ?? '/readyz'}`).then(
              (r) => r.status,
              () => 0,
            ),
      (s) => s === 200 || s === -1,
      opts.readyMs ?? 30_000,
    );
    if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited with ${child.exitCode}`);
  } catch (err) {
    await service.stop(1000);
    throw new Error(`${(err as Error).message}\n--- output ---\n${out}`);
  }
  return service;
}
