// The README's quick start, tried the way a new user meets it: the repository's files alone in a fresh directory
// (no ../shared beside it), configured through a .env file, then `npm start`, `npm run demo`, `npm run build` with
// `npm run start:prod`, and the tests that read the fixture reports. `npm ci` is stood in for by the installed
// node_modules (a test must not need the registry).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dropDatabase } from '../../src/db/dropDatabase.ts';
import { unique } from '../support/env.ts';
import { freePort, startService, type Service } from '../support/processes.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const outer = mkdtempSync(path.join(tmpdir(), 'fresh-clone-'));
const clone = path.join(outer, 'affiliate');
const server = new URL(inject('databaseUrl'));
const dbName = `affiliate_fresh_${unique('c').toLowerCase()}`;
const databaseUrl = Object.assign(new URL(server.href), { pathname: `/${dbName}` }).href;
const queuePrefix = `${inject('queuePrefix')}_${unique('fresh')}`;

/** The environment of a new user's shell: nothing of this test run, nothing the service reads. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(VITEST|TEST_|NODE_ENV$|PORT$|DATABASE_URL$|REDIS_URL$|QUEUE_PREFIX$|PUBLIC_BASE_URL$|LOG_)/.test(k)) env[k] = v;
  return env;
}

/** Files a clone would hold: tracked ones and new ones not ignored (the working tree, as it would be committed). */
function copyRepository() {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const f of files) {
    const from = path.join(ROOT, f);
    if (!existsSync(from)) continue; // deleted in the working tree
    mkdirSync(path.dirname(path.join(clone, f)), { recursive: true });
    copyFileSync(from, path.join(clone, f));
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
}

let port: number;
const running: Service[] = [];

beforeAll(async () => {
  copyRepository();
  port = await freePort();
  writeFileSync(
    path.join(clone, '.env'),
    [
      `PORT=${port}`,
      'HOST=127.0.0.1',
      `DATABASE_URL=${databaseUrl}`,
      `REDIS_URL=${inject('redisUrl')}`,
      `QUEUE_PREFIX=${queuePrefix}`,
      'LOG_LEVEL=warn',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  for (const s of running) await s.stop();
  rmSync(outer, { recursive: true, force: true });
  await dropDatabase(databaseUrl);
});

const npm = (args: string[], timeout = 120_000) => spawnSync('npm', args, { cwd: clone, env: userEnv(), encoding: 'utf8', timeout });

// Building, starting and testing a clone take a while on a busy 2-core machine (the build alone ~25 s when quiet).
describe('when a new user follows the quick start in a fresh clone with nothing beside it', () => {
  it('then the clone holds everything: no ../shared, fixtures inside the repository', () => {
    expect(readdirSync(outer)).toEqual(['affiliate']);
    expect(readdirSync(path.join(clone, 'test/fixtures/amazon')).sort()).toEqual([
      'SOURCE.md',
      'ca-2021-03-orders-earnings.xlsx',
      'us-2020-02-fee-orders.xlsx',
      'us-2021-03-all-reports.xlsx',
    ]);
  });

  it('then `npm start` reads .env, creates and migrates the database, and answers /readyz', async () => {
    const service = await startService('npm', ['start'], { cwd: clone, port, env: userEnv(), readyMs: 60_000 });
    running.push(service);
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ postgres: 'ok', redis: 'ok' });
    expect(await service.stop(), service.output()).toBe(true);
    expect(service.output()).not.toMatch(/shutdown (failed|took too long)|clicks could not be written/);
  }, 120_000);

  let demoLink = '';
  it('then `npm run demo` prints links on the port .env chose', () => {
    const r = npm(['run', '--silent', 'demo']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`http://localhost:${port}/s/demo`);
    demoLink = new RegExp(`http://localhost:${port}/l/([A-Za-z0-9]+)`).exec(r.stdout)?.[1] ?? '';
    expect(demoLink).not.toBe('');
  });

  it('then `npm run build` writes JavaScript that `npm run start:prod` serves with plain node', async () => {
    const build = npm(['run', 'build']);
    expect(build.status, build.stdout + build.stderr).toBe(0);
    expect(existsSync(path.join(clone, 'dist/src/main.js'))).toBe(true);
    const service = await startService('npm', ['run', 'start:prod'], { cwd: clone, port, env: userEnv(), readyMs: 60_000 });
    running.push(service);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    // A follower's click, recorded by the built service and written by its shutdown on SIGTERM.
    const clicksOfDemo = async () => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      const r = await client
        .query<{ n: string }>('SELECT count(*) AS n FROM clicks c JOIN links l ON l.id = c.link_id WHERE l.code = $1', [demoLink])
        .finally(() => client.end());
      return Number(r.rows[0]!.n);
    };
    const before = await clicksOfDemo();
    const click = await fetch(`${service.url}/l/${demoLink}`, {
      redirect: 'manual',
      headers: { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1' },
    });
    expect(click.status).toBe(302);
    expect(await service.stop(), service.output()).toBe(true);
    expect(await clicksOfDemo()).toBe(before + 1);
  }, 120_000);

  it('then the tests that read the real Amazon reports pass from the clone', () => {
    const r = spawnSync(process.execPath, [path.join(clone, 'node_modules/vitest/vitest.mjs'), 'run', '--project', 'unit', 'test/feeds'], {
      cwd: clone,
      env: userEnv(),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(stripVTControlCharacters(r.stdout)).toMatch(/Test Files\s+\d+ passed/);
  }, 120_000);
});
