// Products are shared across storefronts, keyed by marketplace + ASIN.
import { UserError } from '../../errors.ts';
import type { Db } from '../../db/database.ts';
import { toProduct, type Product } from './types.ts';
import { parseProductInput } from '../amazon/productInput.ts';
import type { ShortLinkResolver } from '../amazon/shortLinks.ts';

export interface ProductRef {
  asin: string;
  marketplace: string;
}

export interface ProductDetails {
  title?: string | undefined;
  imageUrl?: string | undefined;
  category?: string | undefined;
  priceMinor?: number | undefined;
  currency?: string | undefined;
}

/** ASIN or any Amazon URL form → marketplace + ASIN; a bare ASIN takes the given default marketplace. */
export async function resolveProductRef(input: string, defaultMarketplace: string, resolveShort: ShortLinkResolver): Promise<ProductRef> {
  const parsed = parseProductInput(input);
  const found = parsed.kind === 'short' ? await resolveShort(parsed.url) : parsed;
  return { asin: found.asin, marketplace: found.marketplace ?? defaultMarketplace };
}

const cleanText = (v: string | undefined, max: number) => {
  // Strip control characters; titles are escaped at render time, this just keeps storage tidy.
  const t = v?.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return t ? t.slice(0, max) : undefined;
};

export async function upsertProduct(db: Db, ref: ProductRef, details: ProductDetails = {}): Promise<Product> {
  const title = cleanText(details.title, 300);
  const imageUrl = details.imageUrl ? safeImageUrl(details.imageUrl) : undefined;
  if (details.priceMinor !== undefined && (!Number.isSafeInteger(details.priceMinor) || details.priceMinor < 0)) {
    throw new UserError('invalid_input', 'A price must be a whole, non-negative number of minor units (cents).');
  }
  const values = {
    marketplace: ref.marketplace,
    asin: ref.asin,
    title: title ?? null,
    image_url: imageUrl ?? null,
    category: cleanText(details.category, 100) ?? null,
    price_minor: details.priceMinor ?? null,
    currency: details.currency ?? null,
  };
  const row = await db
    .insertInto('products')
    .values(values)
    .onConflict((oc) =>
      oc.constraint('products_marketplace_asin').doUpdateSet((eb) => ({
        // Keep what we knew when the new call brings nothing better.
        title: eb.fn.coalesce(eb.ref('excluded.title'), eb.ref('products.title')),
        image_url: eb.fn.coalesce(eb.ref('excluded.image_url'), eb.ref('products.image_url')),
        category: eb.fn.coalesce(eb.ref('excluded.category'), eb.ref('products.category')),
        price_minor: eb.fn.coalesce(eb.ref('excluded.price_minor'), eb.ref('products.price_minor')),
        currency: eb.fn.coalesce(eb.ref('excluded.currency'), eb.ref('products.currency')),
        updated_at: new Date(),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return toProduct(row);
}

function safeImageUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError('invalid_input', 'The image must be an https:// URL.');
  }
  if (url.protocol !== 'https:' || url.username || url.password) throw new UserError('invalid_input', 'The image must be an https:// URL.');
  return url.href;
}

export function productLabel(p: Pick<Product, 'title' | 'asin'>): string {
  return p.title ?? `Amazon product ${p.asin}`;
}
