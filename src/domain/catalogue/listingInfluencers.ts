// Who lists a product: the influencers with it on their storefront.
import type { Db } from '../../db/database.ts';

/** The influencers whose storefronts list the product, each once. */
export async function listingInfluencers(db: Db, productId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('storefront_items as i')
    .innerJoin('storefronts as s', 's.id', 'i.storefront_id')
    .select('s.influencer_id')
    .distinct()
    .where('i.product_id', '=', productId)
    .execute();
  return rows.map((r) => Number(r.influencer_id));
}
