// What a chat app may show when one of our short links is pasted: the product and who shares it.
// Public information only (the same a follower sees on the storefront page); disabled links show nothing.
import type { Db } from '../db/database.ts';
import { CODE_RE } from './links.ts';

export interface LinkPreview {
  code: string;
  asin: string;
  marketplace: string;
  title: string | null;
  imageUrl: string | null;
  priceMinor: number | null;
  currency: string | null;
  handle: string;
  displayName: string;
}

export async function findLinkPreview(db: Db, code: string): Promise<LinkPreview | undefined> {
  if (!CODE_RE.test(code)) return undefined;
  const row = await db
    .selectFrom('links as k')
    .innerJoin('products as p', 'p.id', 'k.product_id')
    .innerJoin('influencers as i', 'i.id', 'k.influencer_id')
    .select(['k.code', 'p.asin', 'p.marketplace', 'p.title', 'p.image_url', 'p.price_minor', 'p.currency', 'i.handle', 'i.display_name'])
    .where('k.code', '=', code)
    .where('k.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    code: row.code,
    asin: row.asin,
    marketplace: row.marketplace,
    title: row.title,
    imageUrl: row.image_url,
    priceMinor: row.price_minor === null ? null : Number(row.price_minor),
    currency: row.currency,
    handle: row.handle,
    displayName: row.display_name,
  };
}
