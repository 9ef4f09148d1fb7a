// One influencer's short links with their product and how many real clicks each had (previews, bots and repeats
// are not clicks), newest first.
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import { linkClicks } from '../clicks/clickCounts.ts';

export interface LinkListItem {
  id: number;
  code: string;
  asin: string;
  marketplace: string;
  campaign: string;
  productTitle: string | null;
  clicks: number;
  createdAt: Date;
  disabled: boolean;
}

export async function listLinksOfInfluencer(db: Db, influencerId: number): Promise<LinkListItem[]> {
  // All-time clicks per link from the click rollups plus the clicks they do not cover (see clicks/clickCounts.ts).
  const [rows, clicks] = await Promise.all([
    db
      .selectFrom('links as l')
      .innerJoin('products as p', 'p.id', 'l.product_id')
      .where('l.influencer_id', '=', influencerId)
      .select(['l.id', 'l.code', 'p.asin', 'p.marketplace', 'l.campaign', 'p.title', 'l.created_at', 'l.disabled_at'])
      .orderBy('l.created_at', 'desc')
      .orderBy('l.id', 'desc')
      .execute(),
    linkClicks(db, { influencerId }, { from: null, to: null }),
  ]);
  return rows.map((r) => ({
    id: Number(r.id),
    code: r.code,
    asin: r.asin,
    marketplace: r.marketplace,
    campaign: r.campaign,
    productTitle: r.title,
    clicks: clicks.get(Number(r.id)) ?? 0,
    createdAt: r.created_at,
    disabled: r.disabled_at !== null,
  }));
}

export interface LinkedProduct {
  asin: string;
  title: string | null;
  /** When the influencer's newest live link for it was made. */
  latest: Date;
}

/**
 * Products the influencer has a live link for whose ASIN or title matches an ILIKE pattern (one row per ASIN, across
 * marketplaces), most recently linked first, at most `limit`.
 */
export async function linkedProductsLike(db: Db, influencerId: number, pattern: string, limit: number): Promise<LinkedProduct[]> {
  return db
    .selectFrom('links as k')
    .innerJoin('products as p', 'p.id', 'k.product_id')
    .select(['p.asin', sql<string | null>`max(p.title)`.as('title'), sql<Date>`max(k.created_at)`.as('latest')])
    .where('k.influencer_id', '=', influencerId)
    .where('k.disabled_at', 'is', null)
    .where((eb) => eb.or([eb('p.asin', 'ilike', pattern), eb('p.title', 'ilike', pattern)]))
    .groupBy('p.asin')
    .orderBy('latest', 'desc')
    .orderBy('p.asin')
    .limit(limit)
    .execute();
}
