// `npm run demo`: a storefront with real-looking products, idempotent so it can be run again.
import { createInfluencer, findInfluencerByHandle, setInfluencerBio } from '../domain/organisations/influencers.ts';
import { getOrCreateLink, shortUrl, storefrontPageUrl } from '../domain/links/links.ts';
import { addToStorefront } from '../domain/storefront/storefronts.ts';
import type { CliContext } from './context.ts';

const DEMO_PRODUCTS = [
  { list: 'Kitchen favorites', asin: 'B00FLYWNYQ', title: 'Instant Pot Duo 7-in-1 Electric Pressure Cooker, 6 Quart', price: 8999, category: 'Kitchen' },
  { list: 'Kitchen favorites', asin: 'B00004OCNS', title: 'Lodge 10.25 Inch Cast Iron Skillet, Pre-Seasoned', price: 1990, category: 'Kitchen' },
  { list: 'Kitchen favorites', asin: 'B07GJBBGHG', title: 'COSORI Pro Air Fryer Oven Combo, 5.8 Quart', price: 11999, category: 'Kitchen' },
  { list: 'Desk setup', asin: 'B07W6JN8V8', title: 'Logitech MX Master 3 Advanced Wireless Mouse', price: 9999, category: 'PC' },
  { list: 'Desk setup', asin: 'B08N5WRWNW', title: 'Echo Dot (4th Gen) Smart speaker with Alexa, Charcoal', price: 4999, category: 'Amazon Devices' },
  { list: 'Desk setup', asin: 'B07PXGQC1Q', title: 'Apple AirPods (2nd Generation) Wireless Earbuds', price: 12900, category: 'Headphones' },
  { list: 'Travel', asin: 'B01NAI6U8T', title: 'Anker PowerCore 10000 Portable Charger', price: 2599, category: 'Electronics' },
  { list: 'Travel', asin: '0735211299', title: 'Atomic Habits by James Clear (Hardcover)', price: 1198, category: 'Books' },
];

export async function runDemo(ctx: CliContext) {
  const existing = await findInfluencerByHandle(ctx.db, 'demo');
  const influencer =
    existing ?? (await createInfluencer(ctx.db, { handle: 'demo', displayName: 'Demo Creator', trackingId: 'democreator-20', marketplace: 'US' })).influencer;
  if (!existing) {
    await setInfluencerBio(ctx.db, influencer.id, 'Kitchen gear, desk upgrades and travel kit I actually use.');
  }
  const links: Array<{ title: string; shortUrl: string; campaign: string }> = [];
  for (const p of DEMO_PRODUCTS) {
    const { product } = await addToStorefront(ctx.db, {
      influencerId: influencer.id,
      ref: { asin: p.asin, marketplace: 'US' },
      listName: p.list,
      details: { title: p.title, priceMinor: p.price, currency: 'USD', category: p.category },
    });
    if (links.length < 4) {
      const { link } = await getOrCreateLink(ctx.db, { influencerId: influencer.id, product, campaign: 'instagram' });
      links.push({ title: p.title, shortUrl: shortUrl(ctx.config.PUBLIC_BASE_URL, link.code), campaign: link.campaign });
    }
  }
  return { handle: 'demo', storefrontUrl: storefrontPageUrl(ctx.config.PUBLIC_BASE_URL, 'demo'), links };
}
