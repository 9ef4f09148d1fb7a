import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime.ts';
import { startTestApp, testDb } from '../support/env.ts';
import { seedInfluencer, seedLink } from '../support/fixtures.ts';
import { waitFor } from '../support/wait.ts';

const BROWSER = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const DESKTOP = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const db = testDb();
let app: Runtime & { url: string };

beforeAll(async () => {
  app = await startTestApp({ CLICK_COUNTRY_HEADER: 'CF-IPCountry', TRUST_PROXY: '1' });
});
afterAll(async () => {
  await app.close();
  await db.destroy();
});

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(`${app.url}${path}`, { redirect: 'manual', headers: { 'user-agent': BROWSER, ...headers }, method });
const clicksOf = (linkId: number) => db.selectFrom('clicks').selectAll().where('link_id', '=', linkId).orderBy('id').execute();

describe('when a follower opens a short link', () => {
  it('then they are sent to the tagged Amazon page with caching forbidden', async () => {
    const { influencer, trackingId } = await seedInfluencer(db);
    const { link, product } = await seedLink(db, influencer.id);
    const res = await get(`/l/${link.code}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`https://www.amazon.com/dp/${product.asin}?tag=${trackingId.trackingId}`);
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    expect(res.headers.get('cache-control')).toMatch(/private/);
  });

  it('then nothing in the request can change where it leads', async () => {
    const { influencer } = await seedInfluencer(db);
    const { link } = await seedLink(db, influencer.id);
    for (const path of [`/l/${link.code}?url=https://evil.io`, `/l/${link.code}/`, `/l/${link.code}?tag=thief-20&redirect=//evil.io`]) {
      const res = await get(path, { host: 'evil.io', 'x-forwarded-host': 'evil.io', referer: 'https://evil.io/' });
      expect(res.status, path).toBe(302);
      expect(res.headers.get('location'), path).toBe(link.destinationUrl);
    }
  });

  it('then an unknown code gets a 404 page and malformed ones a 400, never a redirect', async () => {
    const notFound = await get('/l/Zz9Zz9Zz');
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('content-type')).toMatch(/text\/html/);
    expect(await notFound.text()).toContain('Link not found');
    for (const bad of ['/l/..%2F..%2Fetc%2Fpasswd', '/l/%00abcdefg', '/l/%3Cscript%3E', `/l/${'a'.repeat(5000)}`, '/l/abc%0d%0aSet-Cookie:x=1']) {
      const res = await get(bad);
      expect([400, 404], bad).toContain(res.status);
      expect(res.headers.get('location'), bad).toBeNull();
      expect(res.headers.get('set-cookie'), bad).toBeNull();
    }
    expect((await get('/l/abc')).status).toBe(404);
    expect((await get('/l/')).status).toBe(404);
  });

  it('then other methods are refused and HEAD is answered without counting a click', async () => {
    const { influencer } = await seedInfluencer(db);
    const { link } = await seedLink(db, influencer.id);
    expect((await get(`/l/${link.code}`, {}, 'POST')).status).toBe(405);
    const head = await get(`/l/${link.code}`, {}, 'HEAD');
    expect(head.status).toBe(302);
    await app.clicks.flush();
    expect(await clicksOf(link.id)).toHaveLength(0);
  });
});

describe('when clicks are recorded', () => {
  it('then people, repeat visits, link previews and bots are told apart', async () => {
    const { influencer } = await seedInfluencer(db);
    const { link } = await seedLink(db, influencer.id);
    const ip = (n: number) => ({ 'x-forwarded-for': `203.0.113.${n}` });
    await get(`/l/${link.code}`, { ...ip(1), 'cf-ipcountry': 'de', referer: 'https://www.instagram.com/p/xyz' });
    await get(`/l/${link.code}`, { ...ip(1), 'cf-ipcountry': 'de' }); // same visitor again
    await get(`/l/${link.code}`, { ...ip(2), 'user-agent': DESKTOP });
    await get(`/l/${link.code}`, { ...ip(3), 'user-agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' });
    await get(`/l/${link.code}`, { ...ip(4), 'user-agent': 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)' });
    await get(`/l/${link.code}`, { ...ip(5), 'user-agent': 'curl/8.5.0' });
    await get(`/l/${link.code}`, { ...ip(6), 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' });
    const rows = await waitFor(
      () => clicksOf(link.id),
      (r) => r.length === 7,
    );
    expect(rows.map((r) => r.kind)).toEqual(['click', 'repeat', 'click', 'preview', 'preview', 'bot', 'bot']);
    expect(rows[0]).toMatchObject({ country: 'DE', referrer_host: 'www.instagram.com', device: 'mobile' });
    expect(rows[2]).toMatchObject({ device: 'desktop', country: null, referrer_host: null });
    expect(rows[0]!.visitor_hash).toBe(rows[1]!.visitor_hash);
    expect(rows[0]!.visitor_hash).not.toBe(rows[2]!.visitor_hash);
    // No raw IP anywhere in what was stored.
    expect(JSON.stringify(rows)).not.toMatch(/203\.0\.113/);
  });

  it('then a database that cannot take clicks delays no redirect and loses no click', async () => {
    const { influencer } = await seedInfluencer(db);
    const { link } = await seedLink(db, influencer.id);
    await get(`/l/${link.code}`); // warm the cache
    await waitFor(
      () => clicksOf(link.id),
      (r) => r.length === 1,
    );
    // Hold a lock that blocks every insert of this link's clicks (their key check waits on the link's row), while
    // followers keep clicking. Not a lock on the clicks table: other test files read and write it meanwhile.
    const blocker = await db.connection().execute(async (conn) => {
      await sql`BEGIN`.execute(conn);
      await sql`SELECT id FROM links WHERE id = ${link.id} FOR UPDATE`.execute(conn);
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await get(`/l/${link.code}`, { 'x-forwarded-for': `198.51.100.${i}` })).status);
      const depth = app.clicks.depth;
      await sql`ROLLBACK`.execute(conn);
      return { statuses, depth };
    });
    expect(blocker.statuses).toEqual(Array(20).fill(302));
    expect(blocker.depth).toBeGreaterThan(0); // the clicks really were held back by the lock
    const rows = await waitFor(
      () => clicksOf(link.id),
      (r) => r.length === 21,
    );
    expect(rows).toHaveLength(21);
  });
});

describe('when the service is asked about its health', () => {
  it('then /healthz, /readyz and /metrics answer', async () => {
    expect(await (await get('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ postgres: 'ok', redis: 'ok' });
    const { influencer } = await seedInfluencer(db);
    const { link } = await seedLink(db, influencer.id);
    await get(`/l/${link.code}`);
    await app.clicks.flush();
    const metrics = await (await get('/metrics')).text();
    expect(metrics).toMatch(/affiliate_redirects_total\{outcome="redirect"\} [1-9]/);
    expect(metrics).toMatch(/affiliate_clicks_recorded_total\{kind="click"\} [1-9]/);
    expect(metrics).toMatch(/affiliate_click_buffer_depth \d+/);
    expect(metrics).toMatch(/affiliate_queue_jobs\{queue="ingest",state="waiting"\} 0/);
  });

  it('then unknown routes get a 404 page', async () => {
    const res = await get('/nope/../../etc/passwd');
    expect(res.status).toBe(404);
  });
});
