// A storefront page served from memory for STOREFRONT_CACHE_SECONDS: gzip for clients that take it, the same page
// plain for those that do not, revalidation by ETag, and an edit shown once the cache time has passed.
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToStorefront } from '../../src/domain/storefront/storefronts.ts';
import { storefrontRouter, type StorefrontRouterOptions } from '../../src/http/storefrontRouter.ts';
import type { Runtime } from '../../src/runtime.ts';
import { startTestApp, testDb } from '../support/env.ts';
import { randomAsin, seedInfluencer } from '../support/fixtures.ts';
import { waitFor } from '../support/wait.ts';

const db = testDb();
let app: Runtime & { url: string };
beforeAll(async () => {
  app = await startTestApp({ STOREFRONT_CACHE_SECONDS: '1' });
});
afterAll(async () => {
  await app?.close();
  await db.destroy();
});

/** GET with exactly these headers (fetch would add and undo its own Accept-Encoding). */
function get(
  path: string,
  headers: Record<string, string> = {},
  base = app.url,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('when a storefront page is asked for again and again', () => {
  it('then gzip and plain clients get the same page, an ETag revalidates it, and an edit shows once the cache time has passed', async () => {
    const { influencer, handle } = await seedInfluencer(db, { displayName: 'Before Edit' });
    await addToStorefront(db, { influencerId: influencer.id, ref: { asin: randomAsin(), marketplace: 'US' }, details: { title: 'Cast-iron pan' } });

    const cachedAt = Date.now();
    const plain = await get(`/s/${handle}`);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const html = plain.body.toString('utf8');
    expect(html).toContain('Before Edit');
    expect(html).toContain('Cast-iron pan');

    const zipped = await get(`/s/${handle}`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toMatch(/Accept-Encoding/i);
    expect(zipped.body.length).toBeLessThan(plain.body.length);
    expect(gunzipSync(zipped.body).toString('utf8')).toBe(html);

    const etag = String(plain.headers.etag);
    expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    expect(zipped.headers.etag).toBe(etag);
    const revalidated = await get(`/s/${handle}`, { 'if-none-match': etag });
    expect(revalidated.status).toBe(304);
    expect(revalidated.body.length).toBe(0);

    // The name changes; within the cache time the page is the one rendered before, then the new one.
    const editedAt = Date.now();
    await db.updateTable('influencers').set({ display_name: 'After Edit' }).where('id', '=', influencer.id).execute();
    const soon = await get(`/s/${handle}`);
    if (Date.now() - cachedAt < 900) expect(soon.body.toString('utf8')).toContain('Before Edit'); // still the kept page
    const fresh = await waitFor(
      () => get(`/s/${handle}`),
      (r) => r.body.toString('utf8').includes('After Edit'),
      10_000,
    );
    expect(Date.now() - editedAt).toBeLessThan(5_000);
    expect(fresh.headers.etag).not.toBe(etag);
    expect((await get(`/s/${handle}`, { 'if-none-match': etag })).status).toBe(200);
  });

  it('then an unknown handle is a 404 each time, and a storefront made meanwhile shows at once', async () => {
    for (let i = 0; i < 3; i++) expect((await get('/s/nobody-here-at-all')).status).toBe(404);
    const { handle } = await seedInfluencer(db);
    expect((await get(`/s/${handle}`)).status).toBe(200);
  });
});

/** The storefront routes alone, with cache times a test can wait out. */
async function router(opts: StorefrontRouterOptions): Promise<{ url: string; server: Server }> {
  const server = express()
    .use(storefrontRouter(db, 'http://localhost', opts))
    .listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('when a kept page is past its cache time', () => {
  const page = async (handle: string, base: string) => (await get(`/s/${handle}`, {}, base)).body.toString('utf8');

  it('then the next follower gets the kept page at once while it is rendered again, and the one after sees the edit', async () => {
    const { url, server } = await router({ cacheMs: 200 });
    try {
      const { influencer, handle } = await seedInfluencer(db, { displayName: 'Kept Name' });
      expect(await page(handle, url)).toContain('Kept Name');
      await db.updateTable('influencers').set({ display_name: 'Edited Name' }).where('id', '=', influencer.id).execute();
      await new Promise((r) => setTimeout(r, 300));
      expect(await page(handle, url)).toContain('Kept Name'); // answered from memory; the render runs behind it
      await waitFor(
        () => page(handle, url),
        (html) => html.includes('Edited Name'),
        2000,
      );
    } finally {
      server.close();
    }
  });

  it('then a page older than the stale limit is never served: the follower waits for the new rendering', async () => {
    const { url, server } = await router({ cacheMs: 100, staleLimitMs: 300 });
    try {
      const { influencer, handle } = await seedInfluencer(db, { displayName: 'Old Name' });
      expect(await page(handle, url)).toContain('Old Name');
      await db.updateTable('influencers').set({ display_name: 'New Name' }).where('id', '=', influencer.id).execute();
      await new Promise((r) => setTimeout(r, 400));
      expect(await page(handle, url)).toContain('New Name');
    } finally {
      server.close();
    }
  });
});
