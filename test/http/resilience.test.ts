import { afterAll, describe, expect, it } from 'vitest';
import { startTestApp, testDb } from '../support/env.ts';
import { seedInfluencer, seedLink } from '../support/fixtures.ts';
import { freePort } from '../support/processes.ts';
import { waitFor } from '../support/wait.ts';

const db = testDb();
afterAll(() => db.destroy());

const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';

describe('when Redis is down', () => {
  it('then links in Postgres still redirect and their clicks are still recorded, while /readyz reports it', async () => {
    const { influencer } = await seedInfluencer(db);
    const { link } = await seedLink(db, influencer.id);
    const app = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    try {
      const res = await fetch(`${app.url}/l/${link.code}`, { redirect: 'manual', headers: { 'user-agent': BROWSER } });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(link.destinationUrl);
      const again = await fetch(`${app.url}/l/${link.code}`, { redirect: 'manual', headers: { 'user-agent': BROWSER } });
      expect(again.status).toBe(302);
      const rows = await waitFor(
        () => db.selectFrom('clicks').select('kind').where('link_id', '=', link.id).orderBy('id').execute(),
        (r) => r.length === 2,
      );
      expect(rows.map((r) => r.kind)).toEqual(['click', 'repeat']);
      const ready = await fetch(`${app.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ postgres: 'ok', redis: expect.stringMatching(/^error/) });
      const metrics = await fetch(`${app.url}/metrics`, { signal: AbortSignal.timeout(5000) });
      expect(metrics.status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
