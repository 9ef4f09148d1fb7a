// Link health: whether Amazon still sells each storefront product. The catalogue fetch records it (from OffersV2
// availability, or an ASIN Amazon no longer knows); a product that stops being buyable leaves one alert per
// influencer listing it; after a fetch run each influencer with alerts gets one notice listing them (claimed here
// exactly once, sent by jobs/notify/catalogueNoticeProcessor.ts, composed by src/cards/catalogueNotice.ts); the
// storefront page shows "Currently unavailable"; managers see a count (unavailableProducts).
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { CatalogueHealth } from '../../db/schema.ts';
import { newDeliveryRow } from '../common/deliveryRow.ts';
import type { ApiItem } from './creatorsApi.ts';

export type { CatalogueHealth };

const UNBUYABLE: ReadonlySet<CatalogueHealth> = new Set(['out_of_stock', 'unavailable']);
export const isUnbuyable = (h: CatalogueHealth | null | undefined): h is 'out_of_stock' | 'unavailable' => h != null && UNBUYABLE.has(h);

/**
 * What an answer says about availability. OffersV2 availability types (as in PA-API 5.0's OffersV2): IN_STOCK,
 * IN_STOCK_SCARCE, LIMITED, PREORDER, BACKORDER, OUT_OF_STOCK, UNAVAILABLE; the message is read when the type is
 * missing or unfamiliar. An item with an empty listing array has no offer at all: unavailable. No offers data at all
 * (the resource not returned) says nothing: undefined, and the stored health stays.
 */
export function healthOf(item: Pick<ApiItem, 'availability' | 'availabilityType' | 'hasOffers'>): CatalogueHealth | undefined {
  const type = item.availabilityType?.toUpperCase().replace(/[\s-]+/g, '_');
  if (type === 'OUT_OF_STOCK') return 'out_of_stock';
  if (type === 'UNAVAILABLE' || type === 'DISCONTINUED') return 'unavailable';
  const message = item.availability?.toLowerCase() ?? '';
  if (/currently unavailable|no longer available|not available/.test(message)) return 'unavailable';
  if (/out of stock/.test(message)) return 'out_of_stock';
  if (type || message) return 'available';
  if (item.hasOffers === false) return 'unavailable';
  return undefined;
}

/**
 * Records products' health after a fetch (their catalogue rows exist), in the caller's transaction. When one turns
 * unbuyable, every influencer listing it gets an alert, once per change: the rows are locked first, so concurrent
 * fetches of one product agree on "changed".
 */
export async function recordHealth(trx: Db, changes: ReadonlyArray<{ productId: number; health: CatalogueHealth | undefined }>, now: Date): Promise<void> {
  const known = new Map<number, CatalogueHealth>();
  for (const c of changes) if (c.health !== undefined) known.set(c.productId, c.health);
  if (known.size === 0) return;
  const ids = [...known.keys()].sort((a, b) => a - b); // one lock order for every fetch
  const rows = await trx
    .selectFrom('catalogue_entries')
    .select(['product_id', 'health'])
    .where('product_id', 'in', ids)
    .orderBy('product_id')
    .forUpdate()
    .execute();
  const changed = rows.filter((r) => r.health !== known.get(Number(r.product_id)));
  if (changed.length === 0) return;
  const byHealth = new Map<CatalogueHealth, { changed: number[]; turned: number[] }>();
  for (const r of changed) {
    const health = known.get(Number(r.product_id))!;
    let group = byHealth.get(health);
    if (!group) byHealth.set(health, (group = { changed: [], turned: [] }));
    group.changed.push(Number(r.product_id));
    // Alerts for products that were buyable (or unknown) and are not now.
    if (isUnbuyable(health) && !isUnbuyable(r.health)) group.turned.push(Number(r.product_id));
  }
  for (const [health, group] of byHealth) {
    await trx.updateTable('catalogue_entries').set({ health, health_changed_at: now }).where('product_id', 'in', group.changed).execute();
    if (group.turned.length === 0) continue;
    await trx
      .insertInto('catalogue_health_alerts')
      .columns(['influencer_id', 'product_id', 'health'])
      .expression((eb) =>
        eb
          .selectFrom('storefront_items as i')
          .innerJoin('storefronts as s', 's.id', 'i.storefront_id')
          .select(['s.influencer_id', 'i.product_id', sql.lit(health).as('health')])
          .where('i.product_id', 'in', group.turned)
          .distinct(),
      )
      .execute();
  }
}

/** Influencers with alerts nobody has told them about, and the newest alert of each: what to queue after a run. */
export async function pendingHealthNotices(db: Db, opts: { influencerIds?: number[] } = {}): Promise<Array<{ influencerId: number; upTo: number }>> {
  const rows = await db
    .selectFrom('catalogue_health_alerts')
    .select(['influencer_id', sql<number>`max(id)`.as('upTo')])
    .where('notice_key', 'is', null)
    .$if(opts.influencerIds !== undefined, (q) => q.where('influencer_id', 'in', opts.influencerIds!.length ? opts.influencerIds! : [-1]))
    .groupBy('influencer_id')
    .execute();
  return rows.map((r) => ({ influencerId: Number(r.influencer_id), upTo: Number(r.upTo) }));
}

export const healthNoticeKey = (influencerId: number, upTo: number) => `catalogue:${influencerId}:${upTo}`;

export interface HealthClaim {
  key: string;
  status: 'claimed' | 'sent' | 'skipped' | 'failed';
  attempts: number;
}

/**
 * Claims the influencer's untold alerts (up to `upTo`) for the notice `key`, recording the delivery, in one
 * transaction: a retry of the same key gets the same claim back; undefined when there is nothing left to tell (a
 * duplicate job, or alerts of products that are buyable again or no longer listed, which are dropped).
 */
export async function claimHealthNotice(db: Db, influencerId: number, upTo: number): Promise<HealthClaim | undefined> {
  const key = healthNoticeKey(influencerId, upTo);
  return db.transaction().execute(async (trx) => {
    // One claimer per influencer at a time.
    await sql`SELECT pg_advisory_xact_lock(hashtext('catalogue-notice'), ${influencerId}::int)`.execute(trx);
    const existing = await trx.selectFrom('notification_deliveries').select(['status', 'attempts']).where('key', '=', key).executeTakeFirst();
    if (existing) return { key, status: existing.status, attempts: existing.attempts };
    // Still unbuyable and still listed: the news is still true.
    await trx
      .updateTable('catalogue_health_alerts as a')
      .set({ notice_key: 'dropped' })
      .where('a.influencer_id', '=', influencerId)
      .where('a.notice_key', 'is', null)
      .where('a.id', '<=', upTo)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('storefront_items as i')
              .innerJoin('storefronts as s', 's.id', 'i.storefront_id')
              .innerJoin('catalogue_entries as c', 'c.product_id', 'i.product_id')
              .select('i.id')
              .whereRef('i.product_id', '=', 'a.product_id')
              .where('s.influencer_id', '=', influencerId)
              .where('c.health', 'in', ['out_of_stock', 'unavailable']),
          ),
        ),
      )
      .execute();
    const claimed = await trx
      .updateTable('catalogue_health_alerts')
      .set({ notice_key: key })
      .where('influencer_id', '=', influencerId)
      .where('notice_key', 'is', null)
      .where('id', '<=', upTo)
      .returning('id')
      .execute();
    if (claimed.length === 0) return undefined;
    await trx
      .insertInto('notification_deliveries')
      .values(newDeliveryRow({ key, kind: 'catalogue', influencer_id: influencerId, subscription_id: null, entry_from: null, entry_to: upTo }))
      .execute();
    return { key, status: 'claimed', attempts: 0 };
  });
}

export interface HealthNews {
  handle: string;
  products: Array<{ asin: string; title: string | null; health: 'out_of_stock' | 'unavailable' }>;
}

/** What a claimed notice tells: the products, with the title the influencer sees on their storefront. */
export async function healthNews(db: Db, key: string): Promise<HealthNews | undefined> {
  const rows = await db
    .selectFrom('catalogue_health_alerts as a')
    .innerJoin('influencers as f', 'f.id', 'a.influencer_id')
    .innerJoin('products as p', 'p.id', 'a.product_id')
    .leftJoin('catalogue_entries as c', 'c.product_id', 'p.id')
    .select([
      'f.handle',
      'p.asin',
      'a.health',
      (eb) =>
        eb
          .selectFrom('storefront_items as i')
          .innerJoin('storefronts as s', 's.id', 'i.storefront_id')
          .select('i.title_override')
          .whereRef('i.product_id', '=', 'a.product_id')
          .whereRef('s.influencer_id', '=', 'a.influencer_id')
          .where('i.title_override', 'is not', null)
          .limit(1)
          .as('override'),
      'c.title as apiTitle',
      'p.title as operatorTitle',
    ])
    .where('a.notice_key', '=', key)
    .orderBy('a.id')
    .execute();
  if (rows.length === 0) return undefined;
  const seen = new Set<string>();
  const products: HealthNews['products'] = [];
  for (const r of rows) {
    if (seen.has(r.asin)) continue;
    seen.add(r.asin);
    products.push({ asin: r.asin, title: r.override ?? r.apiTitle ?? r.operatorTitle ?? null, health: r.health });
  }
  return { handle: rows[0]!.handle, products };
}

export interface UnavailableProducts {
  /** Distinct products listed in the organisation's storefronts that Amazon does not sell now. */
  count: number;
  outOfStock: number;
  unavailable: number;
  /** The first few, for a line under warnings: whose storefront and which product. */
  examples: Array<{ handle: string; asin: string; title: string | null; health: 'out_of_stock' | 'unavailable' }>;
}

/** Storefront products of an organisation that are out of stock or unavailable: for the manager digest's warnings. */
export async function unavailableProducts(db: Db, organisationId: number, opts: { examples?: number } = {}): Promise<UnavailableProducts> {
  const base = db
    .selectFrom('storefront_items as i')
    .innerJoin('storefronts as s', 's.id', 'i.storefront_id')
    .innerJoin('influencers as f', 'f.id', 's.influencer_id')
    .innerJoin('catalogue_entries as c', 'c.product_id', 'i.product_id')
    .innerJoin('products as p', 'p.id', 'i.product_id')
    .where('f.organisation_id', '=', organisationId)
    .where('c.health', 'in', ['out_of_stock', 'unavailable']);
  const [totals, examples] = await Promise.all([
    base
      .select([
        sql<number>`count(DISTINCT i.product_id)::int`.as('count'),
        sql<number>`count(DISTINCT i.product_id) filter (where c.health = 'out_of_stock')::int`.as('outOfStock'),
        sql<number>`count(DISTINCT i.product_id) filter (where c.health = 'unavailable')::int`.as('unavailable'),
      ])
      .executeTakeFirstOrThrow(),
    base
      .select(['f.handle', 'p.asin', sql<string | null>`coalesce(i.title_override, c.title, p.title)`.as('title'), 'c.health'])
      .orderBy('c.health_changed_at', 'desc')
      .orderBy('i.id')
      .limit(opts.examples ?? 5)
      .execute(),
  ]);
  return {
    count: totals.count,
    outOfStock: totals.outOfStock,
    unavailable: totals.unavailable,
    examples: examples.map((e) => ({ handle: e.handle, asin: e.asin, title: e.title, health: e.health as 'out_of_stock' | 'unavailable' })),
  };
}
