// One influencer's short links with their product and how many real clicks each had (previews, bots and repeats
// are not clicks), newest first.
import type { Db } from '../db/database.ts';
import { linkClicks } from './clicks/clickCounts.ts';

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
