// The public storefront page, GET /s/:handle, served by the real app against this run's Postgres.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { addToStorefront } from '../../src/domain/storefront/storefronts.ts';
import type { Runtime } from '../../src/runtime.ts';
import { startTestApp, testDb } from '../support/env.ts';
import { randomAsin, seedInfluencer } from '../support/fixtures.ts';

const DISCLOSURE = 'As an Amazon Associate I earn from qualifying purchases.';
const SCRIPT = '<script>alert(1)</script>';
const BREAKOUT = '"><img src=x onerror=alert(1)>';
const QUOTE_BREAKOUT = "' onmouseover='alert(1)";

let app: Runtime & { url: string };
let db: Db;

beforeAll(async () => {
  app = await startTestApp();
  db = testDb();
});

afterAll(async () => {
  await app?.close();
  await db?.destroy();
});

async function get(path: string) {
  const res = await fetch(`${app.url}${path}`, { redirect: 'manual' });
  return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, body: await res.text() };
}

/** Sends the path byte for byte (fetch would normalise dot segments and re-encode characters). */
function rawGet(path: string): Promise<{ status: number; type: string; headers: Record<string, unknown>; body: string }> {
  const { hostname, port } = new URL(app.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method: 'GET', headers: { accept: 'text/html' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function storefrontLinkCode(influencerId: number, productId: number): Promise<string> {
  const row = await db
    .selectFrom('links')
    .select('code')
    .where('influencer_id', '=', influencerId)
    .where('product_id', '=', productId)
    .where('campaign', '=', 'storefront')
    .executeTakeFirstOrThrow();
  return row.code;
}

const metaContent = (body: string, attr: 'property' | 'name', key: string) => new RegExp(`<meta ${attr}="${key}" content="([^"]*)">`).exec(body)?.[1];

describe('GET /s/:handle', () => {
  describe('when a follower opens a storefront with two lists', () => {
    let handle: string;
    let trackingId: string;
    let influencerId: number;
    let page: Awaited<ReturnType<typeof get>>;
    const products: Array<{ title: string; asin: string; price: string | null; productId: number; list: string }> = [];

    beforeAll(async () => {
      const seeded = await seedInfluencer(db, { displayName: 'Ada Lovelace' });
      handle = seeded.handle;
      trackingId = seeded.trackingId.trackingId;
      influencerId = seeded.influencer.id;
      await db.updateTable('influencers').set({ bio: 'Gadgets I actually use every day.' }).where('id', '=', influencerId).execute();
      const seeds = [
        { list: 'Kitchen', title: 'Cast Iron Skillet 12 inch', priceMinor: 2499, price: '$24.99' },
        { list: 'Kitchen', title: 'Chef Knife & Honing Rod', priceMinor: 123456, price: '$1,234.56' },
        { list: 'Travel gear', title: 'Noise Cancelling Headphones', priceMinor: 9900, price: '$99.00' },
        { list: 'Travel gear', title: 'Packing Cubes (set of 4)', priceMinor: undefined, price: null },
      ];
      for (const s of seeds) {
        const asin = randomAsin();
        const { product } = await addToStorefront(db, {
          influencerId,
          ref: { asin, marketplace: 'US' },
          listName: s.list,
          details: { title: s.title, priceMinor: s.priceMinor, currency: s.priceMinor === undefined ? undefined : 'USD' },
        });
        products.push({ title: s.title, asin, price: s.price, productId: product.id, list: s.list });
      }
      page = await get(`/s/${handle}`);
    });

    it('then the page is HTML with the display name, the bio and the disclosure', () => {
      expect(page.status).toBe(200);
      expect(page.type).toMatch(/^text\/html/);
      expect(page.body).toMatch(/^<!doctype html>/i);
      expect(page.body).toMatch(/<h1>Ada Lovelace&#39;s storefront<\/h1>/);
      expect(page.body).toContain(`@${handle}`);
      expect(page.body).toContain('Gadgets I actually use every day.');
      expect(page.body).toContain(DISCLOSURE);
    });

    it('then every list is a section headed by its name, in the order the lists were made', () => {
      const headings = [...page.body.matchAll(/<h2 id="[^"]+">([^<]*)<\/h2>/g)].map((m) => m[1]);
      expect(headings).toEqual(['Kitchen', 'Travel gear']);
      // With several lists, a navigation strip jumps to each one.
      expect(page.body).toMatch(/<nav aria-label="Lists"><a href="#list-1">Kitchen<\/a><a href="#list-2">Travel gear<\/a><\/nav>/);
    });

    it('then every product shows its title, its formatted price and sits in its own list', () => {
      const sections = page.body.split('<section').slice(1);
      expect(sections).toHaveLength(2);
      for (const p of products) {
        const section = sections[p.list === 'Kitchen' ? 0 : 1]!;
        expect(section).toContain(`<h3>${p.title.replace('&', '&amp;')}</h3>`);
        if (p.price) expect(section).toContain(`<p class="price">${p.price}</p>`);
      }
      // A product without a known price shows none rather than "$0.00" or "null".
      const packing = sections[1]!.slice(sections[1]!.indexOf('Packing Cubes'));
      expect(packing.slice(0, packing.indexOf('</article>'))).not.toContain('class="price"');
      expect(page.body).not.toMatch(/\$0\.00|null|undefined|NaN/);
    });

    it("then every product has one button to the influencer's own storefront short link", async () => {
      const hrefs = [...page.body.matchAll(/<a class="buy" href="([^"]+)"/g)].map((m) => m[1]);
      const expected = await Promise.all(products.map(async (p) => `/l/${await storefrontLinkCode(influencerId, p.productId)}`));
      expect(hrefs).toEqual(expected);
      // And that short link leads to the tagged Amazon page of the product.
      const first = await get(expected[0]!);
      expect(first.status).toBe(302);
      expect(first.headers.get('location')).toBe(`https://www.amazon.com/dp/${products[0]!.asin}?tag=${trackingId}`);
    });

    it('then each button says which product it opens to assistive technology, and its visible words are part of that name', () => {
      const buttons = [...page.body.matchAll(/<a class="buy"[^>]*>([\s\S]*?)<\/a>/g)].map((m) => m[0]);
      expect(buttons).toHaveLength(products.length);
      buttons.forEach((button, i) => {
        const title = products[i]!.title.replace('&', '&amp;');
        // Either an aria-label or visually hidden text must name the product…
        const name = /aria-label="([^"]*)"/.exec(button)?.[1] ?? button.replace(/<[^>]+>/g, '');
        expect(name).toContain(title);
        // …and the visible label must be contained in it, so voice control users can say what they see.
        expect(name).toContain('View on Amazon');
        expect(button).toContain('rel="sponsored nofollow"');
      });
    });

    it('then link previews get OpenGraph and Twitter card tags describing the storefront', () => {
      expect(metaContent(page.body, 'property', 'og:title')).toBe('Ada Lovelace&#39;s storefront');
      expect(metaContent(page.body, 'property', 'og:description')).toBe('Gadgets I actually use every day.');
      expect(metaContent(page.body, 'property', 'og:url')).toBe(`http://links.test/s/${handle}`);
      expect(metaContent(page.body, 'property', 'og:type')).toBe('website');
      // A large card: the share picture the service draws for the storefront (never an Amazon image).
      expect(metaContent(page.body, 'name', 'twitter:card')).toBe('summary_large_image');
      expect(metaContent(page.body, 'property', 'og:image')).toBe(`http://links.test/s/${handle}/card.png`);
      expect(metaContent(page.body, 'name', 'twitter:image')).toBe(`http://links.test/s/${handle}/card.png`);
      expect(metaContent(page.body, 'name', 'twitter:title')).toBe('Ada Lovelace&#39;s storefront');
      expect(page.body).toContain(`<link rel="canonical" href="http://links.test/s/${handle}">`);
    });

    it('then a handle typed in capitals or with an @ opens the same storefront', async () => {
      const upper = await get(`/s/${handle.toUpperCase()}`);
      expect(upper.status).toBe(200);
      expect(upper.body).toContain('Ada Lovelace');
      const at = await get(`/s/%40${handle}`);
      expect(at.status).toBe(200);
      expect(metaContent(at.body, 'property', 'og:url')).toBe(`http://links.test/s/${handle}`);
    });
  });

  describe('when an influencer puts markup in their name, bio, list names and product titles', () => {
    let body: string;

    beforeAll(async () => {
      const { influencer, handle } = await seedInfluencer(db, { displayName: SCRIPT });
      await db.updateTable('influencers').set({ bio: BREAKOUT }).where('id', '=', influencer.id).execute();
      await addToStorefront(db, {
        influencerId: influencer.id,
        ref: { asin: randomAsin(), marketplace: 'US' },
        listName: SCRIPT,
        details: { title: BREAKOUT },
      });
      await addToStorefront(db, {
        influencerId: influencer.id,
        ref: { asin: randomAsin(), marketplace: 'US' },
        listName: BREAKOUT,
        details: { title: SCRIPT },
      });
      await addToStorefront(db, {
        influencerId: influencer.id,
        ref: { asin: randomAsin(), marketplace: 'US' },
        listName: BREAKOUT,
        details: { title: QUOTE_BREAKOUT },
      });
      const res = await get(`/s/${handle}`);
      expect(res.status).toBe(200);
      body = res.body;
    });

    it('then a follower sees the text, and no script, image or event handler is injected', () => {
      // The page ships no JavaScript of its own, so any <script at all is an injection.
      expect(body).not.toMatch(/<script/i);
      expect(body).not.toMatch(/<img src=x/i);
      // No real tag carries an injected handler (attribute values are quoted with ", so drop them before looking).
      const attributesOutsideValues = [...body.matchAll(/<[a-z][^>]*>/gi)].map((m) => m[0].replace(/"[^"]*"/g, '""'));
      expect(attributesOutsideValues.filter((tag) => /\son[a-z]+\s*=/i.test(tag))).toEqual([]);
      expect(body).not.toContain(BREAKOUT);
      expect(body).not.toContain(QUOTE_BREAKOUT);
    });

    it('then the markup is shown escaped wherever it lands: heading, bio, lists, titles and meta tags', () => {
      const script = '&lt;script&gt;alert(1)&lt;/script&gt;';
      const breakout = '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;';
      expect(body).toContain(`<h1>${script}&#39;s storefront</h1>`);
      expect(body).toContain(`<p class="bio">${breakout}</p>`);
      expect(body).toMatch(new RegExp(`<h2 id="list-1-h">${escapeRe(script)}</h2>`));
      expect(body).toMatch(new RegExp(`<h2 id="list-2-h">${escapeRe(breakout)}</h2>`));
      expect(body).toContain(`<h3>${breakout}</h3>`);
      expect(body).toContain(`<h3>${script}</h3>`);
      expect(body).toContain('<h3>&#39; onmouseover=&#39;alert(1)</h3>');
      expect(body).toContain(`<title>${script}&#39;s storefront</title>`);
      expect(metaContent(body, 'property', 'og:description')).toBe(breakout);
      expect(metaContent(body, 'name', 'twitter:description')).toBe(breakout);
      expect(metaContent(body, 'property', 'og:title')).toBe(`${script}&#39;s storefront`);
    });
  });

  describe('when a follower opens a storefront that has no products yet', () => {
    it('then they get a friendly empty state instead of an error or a blank page', async () => {
      const { handle } = await seedInfluencer(db, { displayName: 'Grace Hopper' });
      const res = await get(`/s/${handle}`);
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^text\/html/);
      expect(res.body).toContain('<p class="empty">Grace Hopper has not added any products yet.</p>');
      expect(res.body).not.toContain('class="buy"');
      expect(res.body).not.toContain('<section');
      expect(res.body).toContain(DISCLOSURE);
      expect(metaContent(res.body, 'property', 'og:description')).toBe('0 products picked by Grace Hopper.');
    });
  });

  describe('when a follower opens a handle that does not exist', () => {
    it('then they get a 404 HTML page saying there is no storefront', async () => {
      const res = await get('/s/nobody-has-this-handle');
      expect(res.status).toBe(404);
      expect(res.type).toMatch(/^text\/html/);
      expect(res.body).toContain('<h1>Storefront not found</h1>');
      expect(res.headers.get('cache-control')).toBe('no-store');
    });
  });

  describe('when someone probes /s/ with hostile handles', () => {
    const probes: Array<[string, string]> = [
      ['encoded traversal', '/s/..%2F..%2F..%2Fetc%2Fpasswd'],
      ['raw traversal', '/s/../../etc/passwd'],
      ['encoded dots', '/s/%2e%2e'],
      ['a NUL byte', '/s/abc%00def'],
      ['CR LF header injection', '/s/abc%0D%0ASet-Cookie:%20pwned=1'],
      ['control characters', '/s/%01%02%1B%7F'],
      ['an encoded script tag', '/s/%3Cscript%3Ealert(1)%3C%2Fscript%3E'],
      ['SQL', "/s/x'%20OR%20'1'='1"],
      ['broken percent-encoding', '/s/%E0%A4%A'],
      ['a lone percent sign', '/s/100%'],
      ['overlong UTF-8 for a slash', '/s/%C0%AF..%C0%AFetc'],
      ['4,000 characters', `/s/${'a'.repeat(4000)}`],
      ['4,000 encoded characters', `/s/${'%41'.repeat(4000)}`],
    ];

    it.each(probes)('then %s gets a plain 404 page and nothing is logged as an error', async (_label, path) => {
      const errors = vi.spyOn(app.log, 'error');
      try {
        const res = await rawGet(path);
        expect(res.status).toBe(404);
        expect(res.type).toMatch(/^text\/html/);
        expect(res.body).toMatch(/<h1>(Storefront not found|Not found)<\/h1>/);
        expect(res.headers['set-cookie']).toBeUndefined();
        expect(res.body).not.toMatch(/<script/i);
        expect(res.body).not.toContain('passwd');
        expect(errors).not.toHaveBeenCalled();
      } finally {
        errors.mockRestore();
      }
    });

    it('then the server is still healthy afterwards', async () => {
      const res = await get('/healthz');
      expect(res.status).toBe(200);
    });
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
