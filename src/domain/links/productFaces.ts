// Products as chat cards name and picture them, many at once: the catalogue's resolution (src/domain/catalogue/
// resolve.ts: the influencer's own override > API > operator details > report name) for every product a card lists,
// in two queries whatever the number of products (three with an influencer's overrides), so a list of top links
// never costs a query per link.
import type { Db } from '../../db/database.ts';
import {
  CATALOGUE_COLUMNS,
  OVERRIDE_COLUMNS,
  catalogueSources,
  itemOverride,
  ledgerNames,
  resolveProduct,
  type CatalogueProduct,
  type ItemOverride,
} from '../catalogue/resolve.ts';

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

export interface FacesOptions {
  now?: Date;
  /**
   * The influencer the card is for: their own title and picture for a product on their storefront (set with
   * /storefront edit) win, as on their storefront page. Absent: the organisation's view, no one's overrides
   * (a manager's digest names products the same for every influencer).
   */
  influencerId?: number | undefined;
}

/** The catalogue's view of `keys` for the members of `organisationId`, with one influencer's overrides if asked. */
export async function productFaces(db: Db, organisationId: number, keys: readonly ProductKey[], opts: FacesOptions = {}): Promise<ProductFaces> {
  const now = opts.now ?? new Date();
  const asins = [...new Set(keys.map((k) => k.asin).filter(Boolean))];
  const exact = new Map<string, CatalogueProduct>();
  const byAsin = new Map<string, CatalogueProduct>();
  if (asins.length) {
    const [rows, overrides] = await Promise.all([
      db
        .selectFrom('products as p')
        .leftJoin('catalogue_entries as c', 'c.product_id', 'p.id')
        .select(['p.asin', 'p.marketplace', ...CATALOGUE_COLUMNS])
        .where('p.asin', 'in', asins)
        .orderBy('p.id')
        .execute(),
      opts.influencerId === undefined ? new Map<string, ItemOverride>() : influencerOverrides(db, opts.influencerId, asins),
    ]);
    const names = await ledgerNames(db, organisationId, rows);
    for (const r of rows) {
      const key = `${r.marketplace}|${r.asin}`;
      const override = overrides.get(key);
      const product = resolveProduct(
        {
          asin: r.asin,
          marketplace: r.marketplace,
          ...(override ? { override } : {}),
          ...catalogueSources(r),
          ledgerName: names.get(key),
        },
        now,
      );
      exact.set(key, product);
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

/** The title and picture an influencer gave their storefront items among `asins`, by marketplace|asin. */
async function influencerOverrides(db: Db, influencerId: number, asins: string[]): Promise<Map<string, ItemOverride>> {
  const rows = await db
    .selectFrom('storefront_items as i')
    .innerJoin('storefronts as s', 's.id', 'i.storefront_id')
    .innerJoin('products as p', 'p.id', 'i.product_id')
    .select(['p.asin', 'p.marketplace', ...OVERRIDE_COLUMNS])
    .where('s.influencer_id', '=', influencerId)
    .where('p.asin', 'in', asins)
    .where((eb) => eb.or([eb('i.title_override', 'is not', null), eb('i.image_url_override', 'is not', null)]))
    .execute();
  // Overrides are set on every list entry of the product at once (overrides.ts): any row of it says the same.
  return new Map(rows.map((r) => [`${r.marketplace}|${r.asin}`, itemOverride(r)]));
}

/** One product's title and picture for a chat card (the /link and /storefront add answers), as `influencerId` shows it. */
export async function productFace(
  db: Db,
  organisationId: number,
  product: { asin: string; marketplace: string },
  influencerId?: number,
): Promise<{ title?: string; imageUrl?: string }> {
  const faces = await productFaces(db, organisationId, [product], { influencerId });
  const title = faces.title(product);
  const imageUrl = faces.imageUrl(product);
  return { ...(title ? { title } : {}), ...(imageUrl ? { imageUrl } : {}) };
}
