// The web process stopped by its supervisor: clicks it buffered are not lost.
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { testDb, unique } from '../support/env.ts';
import { seedInfluencer, seedLink } from '../support/fixtures.ts';
import { freePort } from '../support/processes.ts';
import { waitFor } from '../support/wait.ts';

const db = testDb();
afterAll(() => db.destroy());

const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';

describe('when the service is stopped with SIGTERM', () => {
  it('then every buffered click is written before it exits', async () => {
    const { influencer } = await seedInfluencer(db);
    const { link } = await seedLink(db, influencer.id);
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--role', 'web'], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: inject('databaseUrl'),
        REDIS_URL: inject('redisUrl'),
        QUEUE_PREFIX: `${inject('queuePrefix')}_${unique('sigterm')}`,
        LOG_LEVEL: 'warn',
        CLICK_FLUSH_MS: '60000', // nothing is written before the shutdown
        CLICK_BATCH_SIZE: '10000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(
        () =>
          fetch(`http://127.0.0.1:${port}/healthz`)
            .then((r) => r.status)
            .catch(() => 0),
        (s) => s === 200,
        20_000,
      );
      for (let i = 0; i < 50; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/l/${link.code}`, { redirect: 'manual', headers: { 'user-agent': BROWSER } });
        expect(res.status).toBe(302);
      }
      const before = await db.selectFrom('clicks').select('id').where('link_id', '=', link.id).execute();
      expect(before).toHaveLength(0);
      child.kill('SIGTERM');
      expect(await exited, stderr).toBe(0);
      const after = await db.selectFrom('clicks').select('kind').where('link_id', '=', link.id).execute();
      expect(after).toHaveLength(50);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
