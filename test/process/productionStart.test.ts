// The service and the CLI, started with NODE_ENV=production, refuse the development stand-ins for their secrets:
// one line on stderr naming the variable, exit 1, before touching Postgres or Redis.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const tsx = import.meta.resolve('tsx');
// Run from an empty directory, so no .env file can fill in what the test leaves out.
const cwd = mkdtempSync(join(tmpdir(), 'prod-start-'));
const KEY = 'ab'.repeat(32);

function start(entry: string, args: string[], env: Record<string, string>) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(ENCRYPTION_KEY|ENCRYPTION_KEY_PREVIOUS|CLICK_HASH_SECRET|NODE_ENV)$/.test(k)),
  );
  // Nothing listens here: a process that got past its configuration would fail differently (and later).
  const unreachable = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1' };
  return spawnSync(process.execPath, ['--import', tsx, join(ROOT, entry), ...args], {
    cwd,
    env: { ...clean, ...unreachable, NODE_ENV: 'production', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('when the service starts with NODE_ENV=production', () => {
  it('then without ENCRYPTION_KEY it exits 1 with one line naming it', () => {
    const r = start('src/main.ts', [], { CLICK_HASH_SECRET: 'an-operator-chosen-secret' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Invalid configuration: ENCRYPTION_KEY must be set when NODE_ENV=production \(.*openssl rand -hex 32\)$/),
    ]);
    expect(r.stdout).toBe('');
  });

  it('then with the development CLICK_HASH_SECRET (or none, which means that default) it exits 1 with one line naming it', () => {
    for (const env of [{ ENCRYPTION_KEY: KEY }, { ENCRYPTION_KEY: KEY, CLICK_HASH_SECRET: 'dev-only-click-hash-secret-change-me' }] as Array<
      Record<string, string>
    >) {
      const r = start('src/main.ts', [], env);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([
        'Invalid configuration: CLICK_HASH_SECRET must be set to your own secret when NODE_ENV=production (the development default is public)',
      ]);
    }
  });

  it('then a malformed ENCRYPTION_KEY is named the same way', () => {
    const r = start('src/main.ts', [], { ENCRYPTION_KEY: 'too-short', CLICK_HASH_SECRET: 'an-operator-chosen-secret' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^Invalid configuration: ENCRYPTION_KEY must be 32 bytes, given as 64 hex characters or base64/);
  });
});

describe('when the CLI runs with NODE_ENV=production', () => {
  it('then it refuses the same way, naming the variable, exit 1', () => {
    const noKey = start('src/cli/main.ts', ['org', 'list'], { CLICK_HASH_SECRET: 'an-operator-chosen-secret' });
    expect(noKey.status).toBe(1);
    expect(noKey.stderr.trim()).toMatch(/^Error: Invalid configuration: ENCRYPTION_KEY must be set when NODE_ENV=production/);
    const devSecret = start('src/cli/main.ts', ['rotate-key'], { ENCRYPTION_KEY: KEY });
    expect(devSecret.status).toBe(1);
    expect(devSecret.stderr.trim()).toMatch(/^Error: Invalid configuration: CLICK_HASH_SECRET must be set to your own secret/);
  });
});
