// An influencer's storefront: named lists of products, each shown with the influencer's own tagged link.
import { sql } from 'kysely';
import { UserError } from '../../errors.ts';
import type { Db } from '../../db/database.ts';
import type { Link, Product } from '../links/types.ts';
import { handleOf } from '../common/handles.ts';
import { getOrCreateLink } from '../links/links.ts';
import { upsertProduct, type ProductDetails, type ProductRef } from '../links/products.ts';
import { productAdded } from '../catalogue/productAdded.ts';

export const DEFAULT_LIST = 'Favorites';
export const STOREFRONT_CAMPAIGN = 'storefront';
const MAX_LISTS = 50;
const MAX_ITEMS = 1000;

export function normaliseListName(raw: string | undefined): string {
  const v = (raw ?? '')
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (v === '') return DEFAULT_LIST;
  if (v.length > 60) throw new UserError('invalid_input', 'A list name is at most 60 characters.');
  return v;
}

async function storefrontIdOf(db: Db, influencerId: number): Promise<number> {
  const row = await db.selectFrom('storefronts').select('id').where('influencer_id', '=', influencerId).executeTakeFirst();
  if (row) return row.id;
  const created = await db
    .insertInto('storefronts')
    .values({ influencer_id: influencerId })
    .onConflict((oc) => oc.column('influencer_id').doUpdateSet({ updated_at: new Date() }))
    .returning('id')
    .executeTakeFirstOrThrow();
  return created.id;
}

export interface AddResult {
  product: Product;
  link: Link;
  listName: string;
  added: boolean;
}

export async function addToStorefront(
  db: Db,
  args: { influencerId: number; ref: ProductRef; listName?: string | undefined; details?: ProductDetails },
): Promise<AddResult> {
  const listName = normaliseListName(args.listName);
  const result = await db.transaction().execute(async (trx) => {
    const storefrontId = await storefrontIdOf(trx, args.influencerId);
    // Serialise edits of one storefront so the list and item caps hold under concurrency.
    await sql`SELECT id FROM storefronts WHERE id = ${storefrontId} FOR UPDATE`.execute(trx);
    const product = await upsertProduct(trx, args.ref, args.details);
    const { link } = await getOrCreateLink(trx, { influencerId: args.influencerId, product, campaign: STOREFRONT_CAMPAIGN });

    let list = await trx
      .selectFrom('storefront_lists')
      .select(['id', 'name'])
      .where('storefront_id', '=', storefrontId)
      .where('name', '=', listName)
      .executeTakeFirst();
    if (!list) {
      const { count } = await trx
        .selectFrom('storefront_lists')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('storefront_id', '=', storefrontId)
        .executeTakeFirstOrThrow();
      if (Number(count) >= MAX_LISTS) throw new UserError('invalid_input', `A storefront has at most ${MAX_LISTS} lists.`);
      list = await trx
        .insertInto('storefront_lists')
        .values({ storefront_id: storefrontId, name: listName, position: Number(count) })
        .returning(['id', 'name'])
        .executeTakeFirstOrThrow();
    }
    const { count: items } = await trx
      .selectFrom('storefront_items')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('storefront_id', '=', storefrontId)
      .executeTakeFirstOrThrow();
    if (Number(items) >= MAX_ITEMS) throw new UserError('invalid_input', `A storefront has at most ${MAX_ITEMS} items.`);
    const inserted = await trx
      .insertInto('storefront_items')
      .values({ storefront_id: storefrontId, list_id: list.id, product_id: product.id, position: Number(items) })
      .onConflict((oc) => oc.constraint('storefront_items_unique').doNothing())
      .returning('id')
      .executeTakeFirst();
    await trx.updateTable('storefronts').set({ updated_at: new Date() }).where('id', '=', storefrontId).execute();
    return { product, link, listName: list.name, added: inserted !== undefined };
  });
  // Committed: the catalogue fetches its details now (a job; repeated adds collapse into one).
  productAdded({ productId: result.product.id, asin: result.product.asin, marketplace: result.product.marketplace });
  return result;
}

/** Removes a product (by ASIN, any marketplace) from every list of the storefront; lists left empty go too. */
export async function removeFromStorefront(db: Db, influencerId: number, asin: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const storefrontId = await storefrontIdOf(trx, influencerId);
    const removed = await trx
      .deleteFrom('storefront_items')
      .where('storefront_id', '=', storefrontId)
      .where('product_id', 'in', (eb) => eb.selectFrom('products').select('id').where('asin', '=', asin.toUpperCase()))
      .executeTakeFirst();
    await trx
      .deleteFrom('storefront_lists')
      .where('storefront_id', '=', storefrontId)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('storefront_items').select('id').whereRef('storefront_items.list_id', '=', 'storefront_lists.id'))))
      .execute();
    return Number(removed.numDeletedRows);
  });
}

export interface StorefrontSummary {
  handle: string;
  displayName: string;
  /** The storefront's own title, when the influencer set one. */
  title: string | null;
  /** Distinct products the page lists (a product in two lists counts once). */
  productCount: number;
}

/**
 * What a storefront's share card says, in one query: the name, the title and how many products the page shows
 * (the same products as getCatalogueStorefront: those with a live storefront link), without resolving the catalogue.
 */
export async function storefrontSummary(db: Db, rawHandle: string): Promise<StorefrontSummary | undefined> {
  const handle = handleOf(rawHandle);
  if (handle === undefined) return undefined;
  const row = await db
    .selectFrom('influencers as f')
    .leftJoin('storefronts as s', 's.influencer_id', 'f.id')
    .select((eb) => [
      'f.handle',
      'f.display_name',
      's.title',
      eb
        .selectFrom('storefront_items as i')
        .innerJoin('products as p', 'p.id', 'i.product_id')
        .innerJoin('links as k', (j) =>
          j
            .onRef('k.product_id', '=', 'i.product_id')
            .onRef('k.influencer_id', '=', 'f.id')
            .on('k.campaign', '=', STOREFRONT_CAMPAIGN)
            .on('k.disabled_at', 'is', null),
        )
        .whereRef('i.storefront_id', '=', 's.id')
        .select(sql<string>`count(distinct (p.marketplace, p.asin))`.as('n'))
        .as('product_count'),
    ])
    .where('f.handle', '=', handle)
    .executeTakeFirst();
  return row && { handle: row.handle, displayName: row.display_name, title: row.title, productCount: Number(row.product_count ?? 0) };
}

/** A storefront's own title and description (each null when not set); undefined when the influencer has no storefront row. */
export async function storefrontTitleAndDescription(db: Db, influencerId: number): Promise<{ title: string | null; description: string | null } | undefined> {
  return db.selectFrom('storefronts').select(['title', 'description']).where('influencer_id', '=', influencerId).executeTakeFirst();
}

/** Names of the influencer's storefront lists matching an ILIKE pattern, in the storefront's order, at most `limit`. */
export async function storefrontListNamesLike(db: Db, influencerId: number, pattern: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('storefront_lists as l')
    .innerJoin('storefronts as s', 's.id', 'l.storefront_id')
    .select('l.name')
    .where('s.influencer_id', '=', influencerId)
    .where('l.name', 'ilike', pattern)
    .orderBy('l.position')
    .orderBy('l.id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.name);
}
