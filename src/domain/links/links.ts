// Tagged short links: one per influencer + product + campaign, with an unguessable base62 code.
import { UserError } from '../../errors.ts';
import type { Db } from '../../db/database.ts';
import { toLink, type Link, type Product } from './types.ts';
import { buildTaggedUrl } from '../amazon/taggedUrl.ts';
import { randomBase62 } from '../common/base62.ts';
import { MARKETPLACES } from '../amazon/marketplaces.ts';
import { trackingIdFor } from '../organisations/influencers.ts';

export const CODE_LENGTH = 8; // 62^8 ≈ 2.2e14 codes
export const CODE_RE = /^[0-9A-Za-z]{7,16}$/;

/** A new short code: base62, unguessable. */
export function generateCode(length = CODE_LENGTH): string {
  return randomBase62(length);
}

export function normaliseCampaign(raw: string | undefined): string {
  const v = (raw ?? '').trim().toLowerCase();
  if (v === '') return '';
  if (!/^[a-z0-9][a-z0-9_-]{0,39}$/.test(v)) {
    throw new UserError('invalid_input', 'A campaign name is up to 40 characters: letters, digits, - and _.');
  }
  return v;
}

export function shortUrl(publicBaseUrl: string, code: string): string {
  return `${publicBaseUrl}/l/${code}`;
}

/** An influencer's public storefront page. */
export function storefrontPageUrl(publicBaseUrl: string, handle: string): string {
  return `${publicBaseUrl}/s/${encodeURIComponent(handle)}`;
}

export async function getOrCreateLink(
  db: Db,
  args: { influencerId: number; product: Pick<Product, 'id' | 'asin' | 'marketplace'>; campaign?: string | undefined },
  makeCode: () => string = generateCode,
): Promise<{ link: Link; created: boolean }> {
  const campaign = normaliseCampaign(args.campaign);
  const existing = await findLink(db, args.influencerId, args.product.id, campaign);
  if (existing) return { link: existing, created: false };

  const tracking = await trackingIdFor(db, args.influencerId, args.product.marketplace);
  if (!tracking) {
    const tld = MARKETPLACES.get(args.product.marketplace)?.tld ?? args.product.marketplace;
    throw new UserError('no_tracking_id', `You have no tracking ID for amazon.${tld}. Add one before linking to products there.`);
  }
  const destination = buildTaggedUrl(args.product.marketplace, args.product.asin, tracking.trackingId);
  // DO NOTHING without a target covers both unique keys and raises no error, so this also works inside
  // a caller's transaction: no row back means either a concurrent twin (reuse it) or a code collision (draw again).
  for (let attempt = 0; attempt < 5; attempt++) {
    const link = await db
      .insertInto('links')
      .values({
        code: makeCode(),
        influencer_id: args.influencerId,
        product_id: args.product.id,
        tracking_id_id: tracking.id,
        campaign,
        destination_url: destination,
      })
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    if (link) return { link: toLink(link), created: true };
    const raced = await findLink(db, args.influencerId, args.product.id, campaign);
    if (raced) return { link: raced, created: false };
  }
  throw new Error('Could not allocate a unique link code after 5 attempts');
}

/** The link by its unique key (influencer, product, campaign). */
async function findLink(db: Db, influencerId: number, productId: number, campaign: string): Promise<Link | undefined> {
  const row = await db
    .selectFrom('links')
    .selectAll()
    .where((eb) => eb.and({ influencer_id: influencerId, product_id: productId, campaign }))
    .executeTakeFirst();
  return row && toLink(row);
}

export interface RedirectTarget {
  linkId: number;
  destination: string;
}

export async function findRedirectTarget(db: Db, code: string): Promise<RedirectTarget | undefined> {
  const row = await db.selectFrom('links').select(['id', 'destination_url']).where('code', '=', code).where('disabled_at', 'is', null).executeTakeFirst();
  return row && { linkId: row.id, destination: row.destination_url };
}

/** The handle of the influencer behind a code, even of a disabled link (its 404 page offers their storefront). */
export async function ownerHandleOfCode(db: Db, code: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('links as k')
    .innerJoin('influencers as f', 'f.id', 'k.influencer_id')
    .select('f.handle')
    .where('k.code', '=', code)
    .executeTakeFirst();
  return row?.handle;
}
