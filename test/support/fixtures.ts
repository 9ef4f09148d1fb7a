// Seeds influencers, products and links through the real domain functions.
import type { Db } from '../../src/db/database.ts';
import { createInfluencer } from '../../src/domain/influencers.ts';
import { getOrCreateLink } from '../../src/domain/links.ts';
import { upsertProduct } from '../../src/domain/products.ts';
import { unique } from './env.ts';

export async function seedInfluencer(db: Db, opts: { marketplace?: string; displayName?: string } = {}) {
  const handle = unique('inf');
  const { influencer, trackingId } = await createInfluencer(db, {
    handle,
    displayName: opts.displayName ?? `Influencer ${handle}`,
    trackingId: `${handle}-20`,
    marketplace: opts.marketplace ?? 'US',
  });
  return { influencer, trackingId, handle };
}

export function randomAsin(): string {
  const chars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let s = 'B0';
  for (let i = 0; i < 8; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

export async function seedLink(db: Db, influencerId: number, opts: { asin?: string; marketplace?: string; campaign?: string; title?: string } = {}) {
  const product = await upsertProduct(db, { asin: opts.asin ?? randomAsin(), marketplace: opts.marketplace ?? 'US' }, { title: opts.title ?? 'Test product' });
  const { link } = await getOrCreateLink(db, { influencerId, product, campaign: opts.campaign });
  return { product, link };
}
