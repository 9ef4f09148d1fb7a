import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime.ts';
import { startTestApp, testDb, unique } from '../support/env.ts';
import { seedInfluencer, seedLink } from '../support/fixtures.ts';
import { scrape } from './support/scrape.ts';

const BROWSER = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const db = testDb();
let app: Runtime & { url: string };

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
  await db.destroy();
});

const get = async (path: string, method = 'GET') => {
  const res = await fetch(`${app.url}${path}`, { method, redirect: 'manual', headers: { 'user-agent': BROWSER } });
  await res.arrayBuffer();
  return res.status;
};
const requests = (m: Awaited<ReturnType<typeof scrape>>, route: string, method: string, status: string) =>
  m.value('affiliate_http_requests_total', { route, method, status });
const timed = (m: Awaited<ReturnType<typeof scrape>>, route: string, method: string) =>
  m.value('affiliate_http_request_duration_seconds_count', { route, method });

describe('when a follower clicks a short link', () => {
  it('then the request is counted under /l/:code with its status and latency, cold or warm, found or not', async () => {
    const { influencer } = await seedInfluencer(db);
    const { link } = await seedLink(db, influencer.id);
    const before = await scrape(app.url);
    expect(await get(`/l/${link.code}`)).toBe(302); // cold: looked up
    expect(await get(`/l/${link.code}`)).toBe(302); // warm: from memory
    expect(await get(`/l/${link.code}`, 'HEAD')).toBe(302);
    expect(await get('/l/Zz9Zz9Zz')).toBe(404);
    expect(await get('/l/%3Cscript%3E')).toBe(400);
    expect(await get(`/l/${link.code}`, 'POST')).toBe(405);
    const after = await scrape(app.url);
    const delta = (route: string, method: string, status: string) => requests(after, route, method, status) - requests(before, route, method, status);
    expect(delta('/l/:code', 'GET', '302')).toBe(2);
    expect(delta('/l/:code', 'HEAD', '302')).toBe(1);
    expect(delta('/l/:code', 'GET', '404')).toBe(1);
    expect(delta('/l/:code', 'GET', '400')).toBe(1);
    expect(delta('/l/:code', 'POST', '405')).toBe(1);
    expect(timed(after, '/l/:code', 'GET') - timed(before, '/l/:code', 'GET')).toBe(4);
    // Latency is recorded in seconds: a redirect takes well under the 10 s top bucket, and more than nothing.
    const sum =
      after.value('affiliate_http_request_duration_seconds_sum', { route: '/l/:code', method: 'GET' }) -
      before.value('affiliate_http_request_duration_seconds_sum', { route: '/l/:code', method: 'GET' });
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(5);
    // No code ever becomes a label.
    expect(after.text).not.toContain(link.code);
  });
});

describe('when people open pages, health checks and random URLs', () => {
  it('then each is counted under its route template, and every unknown URL under one unmatched route', async () => {
    const { handle } = await seedInfluencer(db);
    const before = await scrape(app.url);
    expect(await get(`/s/${handle}`)).toBe(200);
    expect(await get(`/s/${unique('nobody')}`)).toBe(404);
    expect(await get('/healthz')).toBe(200);
    expect(await get('/readyz')).toBe(200);
    const randoms = Array.from({ length: 5 }, () => `/${unique('wp-admin')}/${unique('x')}.php`);
    for (const path of randoms) expect(await get(path)).toBe(404);
    const after = await scrape(app.url);
    const delta = (route: string, method: string, status: string) => requests(after, route, method, status) - requests(before, route, method, status);
    expect(delta('/s/:handle', 'GET', '200')).toBe(1);
    expect(delta('/s/:handle', 'GET', '404')).toBe(1);
    expect(delta('/healthz', 'GET', '200')).toBe(1);
    expect(delta('/readyz', 'GET', '200')).toBe(1);
    expect(delta('unmatched', 'GET', '404')).toBe(5);
    expect(timed(after, 'unmatched', 'GET') - timed(before, 'unmatched', 'GET')).toBe(5);
    // The first scrape itself was answered and counted before the second one was taken.
    expect(delta('/metrics', 'GET', '200')).toBe(1);
    const routes = new Set(after.find('affiliate_http_requests_total').map((s) => s.labels.route));
    for (const path of randoms) expect(routes.has(path)).toBe(false);
    expect(routes.has(`/s/${handle}`)).toBe(false);
  });
});
