import { afterAll, describe, expect, it } from 'vitest';
import { generateCode, getOrCreateLink, CODE_LENGTH } from '../../src/domain/links/links.ts';
import { addTrackingId } from '../../src/domain/organisations/influencers.ts';
import { upsertProduct } from '../../src/domain/links/products.ts';
import { testDb } from '../support/env.ts';
import { randomAsin, seedInfluencer } from '../support/fixtures.ts';

const db = testDb();
afterAll(() => db.destroy());

describe('when a short link is requested', () => {
  it('then codes are unguessable base62 of at least 7 characters', () => {
    const codes = new Set(Array.from({ length: 20_000 }, () => generateCode()));
    expect(codes.size).toBe(20_000);
    for (const c of [...codes].slice(0, 200)) expect(c).toMatch(/^[0-9A-Za-z]{8}$/);
    expect(CODE_LENGTH).toBeGreaterThanOrEqual(7);
    // Every symbol is used: no modulo-biased alphabet subset.
    expect(new Set([...codes].join('')).size).toBe(62);
  });

  it('then the same influencer, product and campaign reuse one link, and a new campaign gets its own', async () => {
    const { influencer, trackingId } = await seedInfluencer(db);
    const product = await upsertProduct(db, { asin: randomAsin(), marketplace: 'US' });
    const first = await getOrCreateLink(db, { influencerId: influencer.id, product, campaign: 'tiktok' });
    const again = await getOrCreateLink(db, { influencerId: influencer.id, product, campaign: ' TikTok ' });
    const other = await getOrCreateLink(db, { influencerId: influencer.id, product, campaign: 'youtube' });
    expect(first.created).toBe(true);
    expect(again).toEqual({ link: first.link, created: false });
    expect(other.link.code).not.toBe(first.link.code);
    expect(first.link.destinationUrl).toBe(`https://www.amazon.com/dp/${product.asin}?tag=${trackingId.trackingId}`);
  });

  it('then concurrent requests for the same link end with one link', async () => {
    const { influencer } = await seedInfluencer(db);
    const product = await upsertProduct(db, { asin: randomAsin(), marketplace: 'US' });
    const results = await Promise.all(Array.from({ length: 8 }, () => getOrCreateLink(db, { influencerId: influencer.id, product })));
    expect(new Set(results.map((r) => r.link.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  it('then a colliding code is drawn again instead of failing or overwriting', async () => {
    const { influencer } = await seedInfluencer(db);
    const p1 = await upsertProduct(db, { asin: randomAsin(), marketplace: 'US' });
    const p2 = await upsertProduct(db, { asin: randomAsin(), marketplace: 'US' });
    const { link: taken } = await getOrCreateLink(db, { influencerId: influencer.id, product: p1 });
    const fresh = generateCode();
    const draws = [taken.code, taken.code, fresh];
    const { link } = await getOrCreateLink(db, { influencerId: influencer.id, product: p2 }, () => draws.shift()!);
    expect(link.code).toBe(fresh);
    const untouched = await db.selectFrom('links').selectAll().where('id', '=', taken.id).executeTakeFirstOrThrow();
    expect(untouched.product_id).toBe(p1.id);
  });

  it('then a product on a store the influencer has no tracking ID for is refused, until one is added', async () => {
    const { influencer } = await seedInfluencer(db);
    const product = await upsertProduct(db, { asin: randomAsin(), marketplace: 'DE' });
    await expect(getOrCreateLink(db, { influencerId: influencer.id, product })).rejects.toMatchObject({
      code: 'no_tracking_id',
      message: expect.stringContaining('amazon.de'),
    });
    await addTrackingId(db, influencer.id, `${influencer.handle}-21`, 'DE');
    const { link } = await getOrCreateLink(db, { influencerId: influencer.id, product });
    expect(link.destinationUrl).toBe(`https://www.amazon.de/dp/${product.asin}?tag=${influencer.handle}-21`);
  });

  it('then a bad campaign name is refused', async () => {
    const { influencer } = await seedInfluencer(db);
    const product = await upsertProduct(db, { asin: randomAsin(), marketplace: 'US' });
    await expect(getOrCreateLink(db, { influencerId: influencer.id, product, campaign: '<script>' })).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
