// One influencer's short links with their product and how many real clicks each had (previews, bots and repeats
// are not clicks), newest first.
import type { Db } from '../db/database.ts';

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
  const rows = await db
    .selectFrom('links as l')
    .innerJoin('products as p', 'p.id', 'l.product_id')
    .leftJoin(
      (eb) =>
        eb
          .selectFrom('clicks as c')
          .innerJoin('links as cl', 'cl.id', 'c.link_id')
          .where('cl.influencer_id', '=', influencerId)
          .where('c.kind', '=', 'click')
          .select((e) => ['c.link_id', e.fn.countAll<number>().as('n')])
          .groupBy('c.link_id')
          .as('k'),
      (join) => join.onRef('k.link_id', '=', 'l.id'),
    )
    .where('l.influencer_id', '=', influencerId)
    .select(['l.id', 'l.code', 'p.asin', 'p.marketplace', 'l.campaign', 'p.title', 'k.n', 'l.created_at', 'l.disabled_at'])
    .orderBy('l.created_at', 'desc')
    .orderBy('l.id', 'desc')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    code: r.code,
    asin: r.asin,
    marketplace: r.marketplace,
    campaign: r.campaign,
    productTitle: r.title,
    clicks: Number(r.n ?? 0),
    createdAt: r.created_at,
    disabled: r.disabled_at !== null,
  }));
}
