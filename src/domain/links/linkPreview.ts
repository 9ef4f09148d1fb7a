// What a chat app may show when one of our short links is pasted: the product and who shares it, named and priced
// the way that influencer's storefront page shows it (their own edit > Amazon's data while fresh > the operator's),
// a price always with the time it was true. Public information only; disabled links show nothing.
import type { Db } from '../../db/database.ts';
import type { ShownPrice } from '../catalogue/displayRules.ts';
import { CODE_RE } from './links.ts';
import { productFaces } from './productFaces.ts';

export interface LinkPreview {
  code: string;
  asin: string;
  marketplace: string;
  title: string | null;
  imageUrl: string | null;
  price: ShownPrice | null;
  handle: string;
  displayName: string;
}

export async function findLinkPreview(db: Db, code: string, now: Date = new Date()): Promise<LinkPreview | undefined> {
  if (!CODE_RE.test(code)) return undefined;
  const row = await db
    .selectFrom('links as k')
    .innerJoin('products as p', 'p.id', 'k.product_id')
    .innerJoin('influencers as i', 'i.id', 'k.influencer_id')
    .select(['k.code', 'k.influencer_id', 'i.organisation_id', 'p.asin', 'p.marketplace', 'i.handle', 'i.display_name'])
    .where('k.code', '=', code)
    .where('k.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const key = { asin: row.asin, marketplace: row.marketplace };
  const product = (await productFaces(db, row.organisation_id, [key], { now, influencerId: row.influencer_id })).get(key);
  return {
    code: row.code,
    asin: row.asin,
    marketplace: row.marketplace,
    title: product?.title?.value ?? null,
    imageUrl: product?.imageUrl?.value ?? null,
    price: product?.price ? { minor: product.price.minor, currency: product.price.currency, asOf: product.price.asOf } : null,
    handle: row.handle,
    displayName: row.display_name,
  };
}
