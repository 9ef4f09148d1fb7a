// HTML pages are sent with a Content-Security-Policy (no script; their own inline style by hash; https images),
// nosniff, no framing (frame-ancestors 'none' and X-Frame-Options), and a Referrer-Policy. The redirect is nosniff.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToStorefront } from '../../src/domain/storefront/storefronts.ts';
import type { Runtime } from '../../src/runtime.ts';
import { startTestApp, testDb } from '../support/env.ts';
import { randomAsin, seedInfluencer, seedLink } from '../support/fixtures.ts';

const db = testDb();
let app: Runtime & { url: string };
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
  await db.destroy();
});

const get = (path: string) => fetch(`${app.url}${path}`, { redirect: 'manual' });

/** The CSP as directive → sources. */
function csp(res: Response): Map<string, string[]> {
  const header = res.headers.get('content-security-policy') ?? '';
  return new Map(
    header
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

/** The hashes of the page's own <style> elements, as CSP writes them. */
const styleHashes = (html: string) =>
  [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`);

function expectPageHeaders(res: Response, html: string) {
  const policy = csp(res);
  expect(policy.get('default-src')).toEqual(["'none'"]);
  expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
  expect(policy.get('base-uri')).toEqual(["'none'"]);
  expect(policy.get('form-action')).toEqual(["'none'"]);
  expect(policy.get('img-src')).toEqual(['https:']);
  expect(policy.has('script-src')).toBe(false); // default-src 'none': no script at all
  expect(policy.get('style-src')).toEqual(styleHashes(html));
  expect(res.headers.get('content-security-policy')).not.toMatch(/unsafe-inline|unsafe-eval/);
  expect(html).not.toMatch(/<script|\son[a-z]+=|style="/i);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
}

describe('when a follower opens a storefront', () => {
  it('then the page carries a CSP allowing exactly its own style and https images, nosniff, no framing and a referrer policy', async () => {
    const { influencer, handle } = await seedInfluencer(db);
    await addToStorefront(db, {
      influencerId: influencer.id,
      ref: { asin: randomAsin(), marketplace: 'US' },
      details: { title: 'Lamp', imageUrl: 'https://m.media-amazon.com/images/I/x.jpg' },
    });
    const res = await get(`/s/${handle}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(styleHashes(html)).toHaveLength(1);
    expectPageHeaders(res, html);
  });
});

describe('when a page is not found or a link is bad', () => {
  it('then the 404 and 400 pages carry the same protections', async () => {
    for (const [path, status] of [
      ['/nothing-here', 404],
      ['/s/nobody-by-this-name', 404],
      ['/s/100%', 404],
      ['/l/Zz9Zz9Zz', 404],
      ['/l/%3Cscript%3E', 400],
      ['/', 200],
    ] as const) {
      const res = await get(path);
      expect(res.status, path).toBe(status);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      expectPageHeaders(res, await res.text());
    }
  });

  it('then a short link’s redirect is nosniff too', async () => {
    const { influencer } = await seedInfluencer(db);
    const { link } = await seedLink(db, influencer.id);
    const res = await get(`/l/${link.code}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('then JSON answers are nosniff as well', async () => {
    const res = await get('/healthz');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });
});
