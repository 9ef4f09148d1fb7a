// The influencer's own word on their storefront: per item a title, image URL, price and personal note (the most
// trusted source, resolve.ts), and for the storefront a bio and avatar URL. Images are https URLs only, linked and
// never fetched: anything else is refused with a message saying so.
import { UserError } from '../../errors.ts';
import type { Db } from '../../db/database.ts';
import { requireMarketplace } from '../amazon/marketplaces.ts';
import { parseMinor } from '../common/money.ts';

const HTTPS_ONLY = 'The image must be an https:// link (http and other kinds of link are refused so the page stays secure).';

/** A trimmed https URL, or a UserError naming what is wrong. */
export function requireHttpsImageUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UserError('invalid_input', HTTPS_ONLY);
  }
  if (url.protocol !== 'https:' || url.username || url.password) throw new UserError('invalid_input', HTTPS_ONLY);
  if (url.href.length > 2000) throw new UserError('invalid_input', 'The image link is too long (at most 2000 characters).');
  return url.href;
}

const cleanText = (raw: string, max: number, what: string): string | null => {
  const v = raw
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (v.length > max) throw new UserError('invalid_input', `${what} is at most ${max} characters.`);
  return v === '' ? null : v;
};

export interface ProductOverrideInput {
  influencerId: number;
  asin: string;
  /** Only needed when the storefront holds the ASIN in several marketplaces. */
  marketplace?: string | undefined;
  /** A field left undefined is kept; null (or an empty string) clears it. */
  title?: string | null;
  imageUrl?: string | null;
  /** A decimal amount such as "24.99", in the product's marketplace currency unless `currency` says otherwise. */
  price?: string | null;
  currency?: string | undefined;
  note?: string | null;
}

/** Sets the influencer's overrides on every list entry of that product in their storefront; returns how many. */
export async function setProductOverride(db: Db, input: ProductOverrideInput): Promise<number> {
  const asin = input.asin.trim().toUpperCase();
  const items = await db
    .selectFrom('storefront_items as i')
    .innerJoin('storefronts as s', 's.id', 'i.storefront_id')
    .innerJoin('products as p', 'p.id', 'i.product_id')
    .select(['i.id', 'p.marketplace'])
    .where('s.influencer_id', '=', input.influencerId)
    .where('p.asin', '=', asin)
    .$if(input.marketplace !== undefined, (q) => q.where('p.marketplace', '=', input.marketplace!))
    .execute();
  if (items.length === 0) throw new UserError('not_found', `${asin} is not in your storefront.`);
  const marketplaces = new Set(items.map((i) => i.marketplace));
  if (marketplaces.size > 1)
    throw new UserError('invalid_input', `${asin} is in your storefront for several marketplaces (${[...marketplaces].join(', ')}): say which.`);
  const set: Record<string, unknown> = {};
  if (input.title !== undefined) set.title_override = input.title === null ? null : cleanText(input.title, 300, 'A title');
  if (input.imageUrl !== undefined)
    set.image_url_override = input.imageUrl === null || input.imageUrl.trim() === '' ? null : requireHttpsImageUrl(input.imageUrl);
  if (input.note !== undefined) set.note = input.note === null ? null : cleanText(input.note, 500, 'A note');
  if (input.price !== undefined) {
    if (input.price === null || input.price.trim() === '') {
      set.price_override_minor = null;
      set.price_override_currency = null;
    } else {
      const currency = (input.currency ?? requireMarketplace([...marketplaces][0]!).currency).toUpperCase();
      if (!/^[A-Z]{3}$/.test(currency)) throw new UserError('invalid_input', 'A currency is a three-letter code such as USD.');
      let minor: number;
      try {
        minor = parseMinor(input.price.replace(/^[^\d-]+/, ''), currency);
      } catch {
        throw new UserError('invalid_input', `"${input.price}" is not a price: write it like 24.99.`);
      }
      if (minor < 0) throw new UserError('invalid_input', 'A price cannot be negative.');
      set.price_override_minor = minor;
      set.price_override_currency = currency;
    }
  }
  if (Object.keys(set).length === 0) return items.length;
  await db
    .updateTable('storefront_items')
    .set({ ...set, override_updated_at: new Date() })
    .where(
      'id',
      'in',
      items.map((i) => i.id),
    )
    .execute();
  return items.length;
}

export interface ProfileInput {
  /** Undefined keeps it; null or an empty string clears it. */
  bio?: string | null;
  avatarUrl?: string | null;
}

/** The storefront's profile: a short bio and an https avatar URL. */
export async function setProfile(db: Db, influencerId: number, input: ProfileInput): Promise<{ bio: string | null; avatarUrl: string | null }> {
  const set: { bio?: string | null; avatar_url?: string | null } = {};
  if (input.bio !== undefined) set.bio = input.bio === null ? null : cleanText(input.bio, 500, 'A bio');
  if (input.avatarUrl !== undefined) set.avatar_url = input.avatarUrl === null || input.avatarUrl.trim() === '' ? null : requireHttpsImageUrl(input.avatarUrl);
  const q =
    Object.keys(set).length > 0
      ? db.updateTable('influencers').set(set).where('id', '=', influencerId).returning(['bio', 'avatar_url'])
      : db.selectFrom('influencers').select(['bio', 'avatar_url']).where('id', '=', influencerId);
  const row = await q.executeTakeFirst();
  if (!row) throw new UserError('not_found', 'No such influencer.');
  return { bio: row.bio, avatarUrl: row.avatar_url };
}
