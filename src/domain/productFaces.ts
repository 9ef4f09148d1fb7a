// Products as chat cards name and picture them, many at once: the catalogue's resolution (src/domain/catalogue/
// resolve.ts: API > operator details > report name) for every product a card lists, in two queries whatever the
// number of products, so a list of top links never costs a query per link.
import type { Db } from '../db/database.ts';
import { CATALOGUE_COLUMNS, catalogueSources, ledgerNames, resolveProduct, type CatalogueProduct } from './catalogue/resolve.ts';

export interface ProductKey {
  asin: string;
  /** Absent when only the ASIN is known (a report's top products): the product of any store, the best described. */
  marketplace?: string | null | undefined;
}

export interface ProductFaces {
  get(key: ProductKey): CatalogueProduct | undefined;
  /** The product's title, or undefined when the catalogue has none. */
  title(key: ProductKey): string | undefined;
  /** Its title from Amazon or the operator, not from reports (for callers that already have the report's name). */
  catalogueTitle(key: ProductKey): string | undefined;
  /** Its picture (https only, as the catalogue's display rules allow), or undefined. */
  imageUrl(key: ProductKey): string | undefined;
}

const SOURCE_RANK = { influencer: 0, api: 1, operator: 2, ledger: 3 } as const;
const rank = (p: CatalogueProduct) => (p.title ? SOURCE_RANK[p.title.source] : 9) * 2 + (p.imageUrl ? 0 : 1);

/** The catalogue's view of `keys` for the members of `organisationId` (no influencer's personal overrides). */
export async function productFaces(db: Db, organisationId: number, keys: readonly ProductKey[], now: Date = new Date()): Promise<ProductFaces> {
  const asins = [...new Set(keys.map((k) => k.asin).filter(Boolean))];
  const exact = new Map<string, CatalogueProduct>();
  const byAsin = new Map<string, CatalogueProduct>();
  if (asins.length) {
    const rows = await db
      .selectFrom('products as p')
      .leftJoin('catalogue_entries as c', 'c.product_id', 'p.id')
      .select(['p.asin', 'p.marketplace', ...CATALOGUE_COLUMNS])
      .where('p.asin', 'in', asins)
      .orderBy('p.id')
      .execute();
    const names = await ledgerNames(db, organisationId, rows);
    for (const r of rows) {
      const product = resolveProduct(
        {
          asin: r.asin,
          marketplace: r.marketplace,
          ...catalogueSources(r),
          ledgerName: names.get(`${r.marketplace}|${r.asin}`),
        },
        now,
      );
      exact.set(`${r.marketplace}|${r.asin}`, product);
      const best = byAsin.get(r.asin);
      if (!best || rank(product) < rank(best)) byAsin.set(r.asin, product);
    }
  }
  const get = (k: ProductKey) => (k.marketplace ? exact.get(`${k.marketplace}|${k.asin}`) : undefined) ?? byAsin.get(k.asin);
  return {
    get,
    title: (k) => get(k)?.title?.value,
    catalogueTitle: (k) => {
      const t = get(k)?.title;
      return t && t.source !== 'ledger' ? t.value : undefined;
    },
    imageUrl: (k) => get(k)?.imageUrl?.value,
  };
}

/** One product's title and picture for a chat card (the /link and /storefront add answers). */
export async function productFace(db: Db, organisationId: number, product: { asin: string; marketplace: string }, now: Date = new Date()): Promise<{ title?: string; imageUrl?: string }> {
  const faces = await productFaces(db, organisationId, [product], now);
  const title = faces.title(product);
  const imageUrl = faces.imageUrl(product);
  return { ...(title ? { title } : {}), ...(imageUrl ? { imageUrl } : {}) };
}
