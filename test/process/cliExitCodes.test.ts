// The real process: the exit code a shell sees, and errors as one line on stderr, never a stack.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { unique } from '../support/env.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: inject('databaseUrl'),
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: `${inject('queuePrefix')}_${unique('proc')}`,
      LOG_LEVEL: 'silent',
    },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('when a script runs the CLI as a process', () => {
  it('then a failed operation exits 1 and bad usage exits 2, each with one line on stderr and no stack', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-proc-'));
    expect(run('ingest', dir, '--network', 'amazon')).toEqual({ code: 1, stdout: '', stderr: `Error: ${dir} is a directory, not a report file.\n` });
    const usage = run('influencer', 'list', '--organisation', '1');
    expect(usage).toMatchObject({ code: 2, stdout: '' });
    expect(usage.stderr).toMatch(
      /^Error: unknown option '--organisation'\nUsage: npm run cli -- influencer list \[--org <id>\]\nRun "npm run cli -- influencer list --help" for its options\.\n$/,
    );
    expect(run('org', 'list', '--json')).toMatchObject({ code: 0, stderr: '', stdout: expect.stringMatching(/^\[/) });
  });
});
