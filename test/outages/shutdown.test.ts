// Stopping the service (SIGTERM, a deploy) while Redis is away: it must still stop within seconds and write the
// clicks it holds, rather than wait for a Redis that is not coming back until the supervisor kills it.
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { testConfig, testDb } from '../support/env.ts';
import { seedInfluencer, seedLink } from '../support/fixtures.ts';
import { waitFor } from '../support/wait.ts';
import { RedisServer } from '../faults/support/redisServer.ts';

const BROWSER = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const db = testDb();
afterAll(() => db.destroy());

describe('when the service is stopped while Redis is away', () => {
  it('then web and workers stop within seconds and the clicks taken before are written', async () => {
    const redis = await RedisServer.start();
    const { influencer } = await seedInfluencer(db);
    const { link } = await seedLink(db, influencer.id);
    // Clicks are held in memory until the stop (no timed flush during the test).
    const app = (await startRuntime(testConfig({ REDIS_URL: redis.url, CLICK_FLUSH_MS: '60000', CLICK_BATCH_SIZE: '10000' }), {
      web: true,
      workers: true,
      log: createLogger('silent'),
    })) as Runtime & { url: string };
    let closed = false;
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${app.url}/l/${link.code}`, {
          redirect: 'manual',
          headers: { 'user-agent': BROWSER, 'x-forwarded-for': `203.0.113.${i + 1}` },
        });
        expect(res.status).toBe(302);
      }
      expect(app.clicks.depth).toBeGreaterThan(0);
      await redis.stop();
      await waitFor(
        async () => app.redis.status,
        (s) => s !== 'ready',
      );
      const started = performance.now();
      await app.close();
      closed = true;
      expect(performance.now() - started).toBeLessThan(5000);
      const written = await db.selectFrom('clicks').select('id').where('link_id', '=', link.id).execute();
      expect(written.length).toBeGreaterThan(0);
    } finally {
      if (!closed) await app.close().catch(() => undefined);
      await redis.destroy();
    }
  });
});
