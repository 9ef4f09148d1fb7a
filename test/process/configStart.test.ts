// The service started as a process: its configuration is read (from the environment and a .env file) and checked
// before it touches anything.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const MAIN = resolve(import.meta.dirname, '../../src/main.ts');
const tsx = import.meta.resolve('tsx'); // from this repository: the working directory may be elsewhere

describe('when the process starts with a bad variable', () => {
  it('then it exits 1 with one line naming it', () => {
    const r = spawnSync(process.execPath, ['--import', tsx, MAIN], { env: { ...process.env, PORT: 'nope' }, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Invalid configuration: PORT /)]);
  });
});

describe('when a .env file is in the working directory', () => {
  const run = (env: NodeJS.ProcessEnv) => {
    const dir = mkdtempSync(join(tmpdir(), 'dotenv-'));
    writeFileSync(join(dir, '.env'), 'PORT=not-a-port\n');
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'PORT'));
    return spawnSync(process.execPath, ['--import', tsx, MAIN], { cwd: dir, env: { ...clean, ...env }, encoding: 'utf8', timeout: 20_000 });
  };

  it('then the service reads it before checking its configuration', () => {
    const r = run({});
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^Invalid configuration: PORT /);
  });

  it('then a variable set in the environment wins over the file', () => {
    // A good PORT from the environment gets past the file's bad one; a bad DATABASE_URL then stops the start.
    const r = run({ PORT: '0', DATABASE_URL: 'not a url' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^Invalid configuration: DATABASE_URL /);
  });
});
