// A short link and its product as the rest of the service reads them: camelCase types mapped from the rows where
// the domain reads them, so column names stay inside the domain.
import type { LinkRow, ProductRow } from '../../db/schema.ts';

export interface Link {
  id: number;
  /** The short code of /l/<code>. */
  code: string;
  influencerId: number;
  productId: number;
  /** The tracking_ids row whose tag the destination carries. */
  trackingIdId: number;
  campaign: string;
  /** The Amazon product page with the influencer's tag: where /l/<code> redirects. */
  destinationUrl: string;
  createdAt: Date;
  disabledAt: Date | null;
}

export interface Product {
  id: number;
  marketplace: string;
  asin: string;
  title: string | null;
  imageUrl: string | null;
  category: string | null;
  priceMinor: number | null;
  currency: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export function toLink(r: LinkRow): Link {
  return {
    id: r.id,
    code: r.code,
    influencerId: r.influencer_id,
    productId: r.product_id,
    trackingIdId: r.tracking_id_id,
    campaign: r.campaign,
    destinationUrl: r.destination_url,
    createdAt: r.created_at,
    disabledAt: r.disabled_at,
  };
}

export function toProduct(r: ProductRow): Product {
  return {
    id: r.id,
    marketplace: r.marketplace,
    asin: r.asin,
    title: r.title,
    imageUrl: r.image_url,
    category: r.category,
    priceMinor: r.price_minor,
    currency: r.currency,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
