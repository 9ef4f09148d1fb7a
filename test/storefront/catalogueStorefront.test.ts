// The storefront page as the catalogue resolves it (override > Creators API > ledger name > nothing), its share card,
// and the pages around it: the home page and the 404 of a link that is gone. Served by the real app.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { setProductOverride, setProfile } from '../../src/domain/catalogue/overrides.ts';
import { PRICE_DISCLAIMER } from '../../src/domain/catalogue/displayRules.ts';
import { addToStorefront, removeFromStorefront } from '../../src/domain/storefront/storefronts.ts';
import { shareCardEtag, shareCardSvg } from '../../src/http/shareCard.ts';
import type { Runtime } from '../../src/runtime.ts';
import { startTestApp, testDb } from '../support/env.ts';
import { randomAsin, seedEarning, seedInfluencer } from '../support/fixtures.ts';

let app: Runtime & { url: string };
let db: Db;
const H = 3_600_000;

beforeAll(async () => {
  app = await startTestApp();
  db = testDb();
});
afterAll(async () => {
  await app?.close();
  await db?.destroy();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.url}${path}`, { redirect: 'manual', headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}
const text = async (path: string) => {
  const r = await get(path);
  return { ...r, text: r.body.toString('utf8') };
};
/** The <article> of the card whose button names this label. */
const cardOf = (body: string, label: string) => {
  const at = body.indexOf(`aria-label="View on Amazon: ${label}"`);
  expect(at).toBeGreaterThan(-1);
  return body.slice(body.lastIndexOf('<article', at), body.indexOf('</article>', at));
};

/** A catalogue row as the refresh stores it (what the Creators API said, `ageMs` ago). */
async function apiRow(
  productId: number,
  values: { title?: string; image?: string; priceMinor?: number; availability?: string; health?: 'available' | 'out_of_stock' | 'unavailable'; ageMs?: number },
) {
  const fetched = new Date(Date.now() - (values.ageMs ?? 0));
  await db
    .insertInto('catalogue_entries')
    .values({
      product_id: productId,
      state: 'ok',
      title: values.title ?? null,
      image_url: values.image ?? null,
      price_minor: values.priceMinor ?? null,
      currency: values.priceMinor !== undefined ? 'USD' : null,
      availability: values.availability ?? null,
      fetched_at: fetched,
      next_attempt_at: new Date(Date.now() + 23 * H),
      health: values.health ?? null,
    })
    .execute();
}

describe('when a follower opens a storefront whose products come from every source', () => {
  const asins = { override: randomAsin(), api: randomAsin(), ledger: randomAsin(), nothing: randomAsin(), gone: randomAsin() };
  let handle: string;
  let body: string;

  beforeAll(async () => {
    const s = await seedInfluencer(db, { displayName: 'Ada Lovelace' });
    handle = s.handle;
    await setProfile(db, s.influencer.id, { bio: 'Kitchen things I use daily.', avatarUrl: 'https://images.example.com/ada.jpg' });
    const add = (asin: string, list = 'Kitchen') => addToStorefront(db, { influencerId: s.influencer.id, ref: { asin, marketplace: 'US' }, listName: list });
    const api = await add(asins.api);
    await add(asins.override);
    await add(asins.ledger, 'Travel');
    await add(asins.nothing, 'Travel');
    const gone = await add(asins.gone, 'Travel');
    await apiRow(api.product.id, {
      title: 'Quiet kettle 1.7 l',
      image: `https://m.media-amazon.com/images/I/${asins.api}.jpg`,
      priceMinor: 2499,
      availability: 'In Stock',
      health: 'available',
      ageMs: 2 * H,
    });
    await apiRow(gone.product.id, {
      title: 'Retired grinder',
      priceMinor: 1000,
      availability: 'Currently unavailable.',
      health: 'unavailable',
      ageMs: 10 * 60_000,
    });
    await setProductOverride(db, {
      influencerId: s.influencer.id,
      asin: asins.override,
      title: 'My *favourite* <script>alert(1)</script> pan',
      imageUrl: 'https://images.example.com/pan.jpg',
      note: 'I cook **everything** in it <b>daily</b>.',
    });
    await seedEarning(db, handle, 120, { asin: asins.ledger, name: 'Packing cubes from my reports' });
    const res = await text(`/s/${handle}`);
    expect(res.status).toBe(200);
    body = res.text;
  });

  it('then the profile shows the avatar and bio, and the disclosure comes before any product', () => {
    expect(body).toContain('<img class="avatar" src="https://images.example.com/ada.jpg" alt="" width="88" height="88">');
    expect(body).toContain('<p class="bio">Kitchen things I use daily.</p>');
    expect(body.indexOf('As an Amazon Associate I earn from qualifying purchases.')).toBeLessThan(body.indexOf('<article'));
  });

  it("then the influencer's own title, image and note win, shown as text, markup and markdown included", () => {
    const card = cardOf(body, 'My *favourite* &lt;script&gt;alert(1)&lt;/script&gt; pan');
    expect(card).toContain('<h3>My *favourite* &lt;script&gt;alert(1)&lt;/script&gt; pan</h3>');
    expect(card).toContain('<img src="https://images.example.com/pan.jpg" alt="" loading="lazy" decoding="async" width="400" height="400">');
    expect(card).toContain('<p class="note"><b>Ada’s note</b>I cook **everything** in it &lt;b&gt;daily&lt;/b&gt;.</p>');
    expect(body).not.toMatch(/<script/i);
  });

  it('then Amazon data shows its image, price with its as-of time, the disclaimer past an hour, and availability', () => {
    const card = cardOf(body, 'Quiet kettle 1.7 l');
    expect(card).toContain(`src="https://m.media-amazon.com/images/I/${asins.api}.jpg" alt="" loading="lazy"`);
    expect(card).toContain('<p class="price">$24.99</p>');
    expect(card).toMatch(/<p class="asof">Price as of \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC<\/p>/);
    expect(card).toContain(`<details class="disclaimer"><summary>Price details</summary>${PRICE_DISCLAIMER}</details>`);
    expect(card).toContain('<p class="avail">In Stock</p>');
  });

  it('then a product known only by its report name shows that name, and one with no data a placeholder with the ASIN', () => {
    const ledger = cardOf(body, 'Packing cubes from my reports');
    expect(ledger).toContain('<h3>Packing cubes from my reports</h3>');
    expect(ledger).toContain('<span class="name">Packing cubes from my reports</span><span class="asin">ASIN');
    const nothing = cardOf(body, `Amazon product ${asins.nothing}`);
    expect(nothing).toContain(
      `<div class="ph" aria-hidden="true"><span class="mono">a</span><span class="name">Amazon product</span><span class="asin">ASIN ${asins.nothing}</span></div>`,
    );
    expect(nothing).not.toContain('class="price"');
  });

  it('then a product Amazon no longer sells says "Currently unavailable" and shows no price', () => {
    const card = cardOf(body, 'Retired grinder');
    expect(card).toContain('<article class="card gone">');
    expect(card).toContain('<p class="avail gone">Currently unavailable</p>');
    expect(card).not.toContain('class="price"');
  });

  it("then lists and products keep the influencer's order", () => {
    const titles = [...body.matchAll(/<h3>([^<]*)<\/h3>/g)].map((m) => m[1]);
    expect(titles).toEqual([
      'Quiet kettle 1.7 l',
      'My *favourite* &lt;script&gt;alert(1)&lt;/script&gt; pan',
      'Packing cubes from my reports',
      `Amazon product ${asins.nothing}`,
      'Retired grinder',
    ]);
  });

  it('then the share card is a 1200×630 PNG drawn by the service, cached and revalidated by ETag', async () => {
    const res = await get(`/s/${handle}/card.png`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.body.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect([res.body.readUInt32BE(16), res.body.readUInt32BE(20)]).toEqual([1200, 630]);
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=3600/);
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"sc/);
    expect((await get(`/s/${handle}/card.png`, { 'if-none-match': etag })).status).toBe(304);
    // Kept outside the repository for a person to look at.
    writeFileSync(join(tmpdir(), 'storefront-share-card.png'), res.body);
    // What it draws: the name, the initial, the count (and the handle); no image of Amazon's.
    const svg = shareCardSvg({ title: "Ada Lovelace's storefront", handle, displayName: 'Ada Lovelace', productCount: 5 });
    expect(svg).toContain('Ada Lovelace&#39;s storefront');
    expect(svg).toContain('>A</text>');
    expect(svg).toContain('5 products picked by hand');
    expect(svg).not.toMatch(/<image|href=/);
  });

  it('then the card changes when a product is added (a new ETag), and an unknown storefront has none', async () => {
    const before = (await get(`/s/${handle}/card.png`)).headers.get('etag');
    const { influencer } = await db
      .selectFrom('influencers')
      .select('id')
      .where('handle', '=', handle)
      .executeTakeFirstOrThrow()
      .then((i) => ({ influencer: i }));
    await addToStorefront(db, { influencerId: influencer.id, ref: { asin: randomAsin(), marketplace: 'US' } });
    expect((await get(`/s/${handle}/card.png`)).headers.get('etag')).not.toBe(before);
    expect((await get('/s/nobody-has-this-handle/card.png')).status).toBe(404);
  });
});

describe('when a storefront lists a product twice, has removed one and one link is deleted', () => {
  it('then its share card counts the products the page shows, each once', async () => {
    const s = await seedInfluencer(db, { displayName: 'Counted Carla' });
    const twice = randomAsin();
    await addToStorefront(db, { influencerId: s.influencer.id, ref: { asin: twice, marketplace: 'US' }, listName: 'Kitchen' });
    await addToStorefront(db, { influencerId: s.influencer.id, ref: { asin: twice, marketplace: 'US' }, listName: 'Gifts' });
    const removed = randomAsin();
    await addToStorefront(db, { influencerId: s.influencer.id, ref: { asin: removed, marketplace: 'US' } });
    await removeFromStorefront(db, s.influencer.id, removed);
    const { link: deleted } = await addToStorefront(db, { influencerId: s.influencer.id, ref: { asin: randomAsin(), marketplace: 'US' } });
    await db.updateTable('links').set({ disabled_at: new Date() }).where('id', '=', deleted.id).execute();
    await addToStorefront(db, { influencerId: s.influencer.id, ref: { asin: randomAsin(), marketplace: 'US' } });

    const page = await text(`/s/${s.handle}`);
    const shown = new Set([...page.text.matchAll(/aria-label="View on Amazon: ([^"]+)"/g)].map((m) => m[1])).size;
    expect(shown).toBe(2);
    const card = await get(`/s/${s.handle}/card.png`);
    expect(card.status).toBe(200);
    expect(card.headers.get('etag')).toBe(
      shareCardEtag({ title: "Counted Carla's storefront", handle: s.handle, displayName: 'Counted Carla', productCount: 2 }),
    );
  });
});

describe('when a product leaves a storefront or its link is deleted', () => {
  it('then the product is no longer listed but its short link still redirects to Amazon', async () => {
    const s = await seedInfluencer(db);
    const asin = randomAsin();
    const { link } = await addToStorefront(db, { influencerId: s.influencer.id, ref: { asin, marketplace: 'US' }, details: { title: 'Going away soon' } });
    await addToStorefront(db, { influencerId: s.influencer.id, ref: { asin: randomAsin(), marketplace: 'US' }, details: { title: 'Staying' } });
    expect(await removeFromStorefront(db, s.influencer.id, asin)).toBe(1);
    const page = await text(`/s/${s.handle}`);
    expect(page.text).not.toContain('Going away soon');
    expect(page.text).toContain('Staying');
    const r = await get(`/l/${link.code}`);
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe(`https://www.amazon.com/dp/${asin}?tag=${s.handle}-20`);
  });

  it("then a deleted link's code answers 404 with a link to the influencer's storefront; an unknown code does not", async () => {
    const s = await seedInfluencer(db);
    const { link } = await addToStorefront(db, { influencerId: s.influencer.id, ref: { asin: randomAsin(), marketplace: 'US' } });
    await db.updateTable('links').set({ disabled_at: new Date() }).where('id', '=', link.id).execute();
    const gone = await text(`/l/${link.code}`);
    expect(gone.status).toBe(404);
    expect(gone.text).toContain('<h1>Link no longer active</h1>');
    expect(gone.text).toContain(`<a href="/s/${s.handle}">Open @${s.handle}&#39;s storefront</a>`);
    const unknown = await text('/l/Zz9Zz9Zq');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('<h1>Link not found</h1>');
    expect(unknown.text).not.toContain('/s/');
  });
});

describe('when someone opens the home page', () => {
  it('then it shows the storefront address pattern /s/<handle> once escaped, as text', async () => {
    const home = await text('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('Open a storefront at /s/&lt;handle&gt;.');
    expect(home.text).not.toContain('&amp;lt;');
  });
});
