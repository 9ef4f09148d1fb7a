// What to show for a product, field by field, from its sources in order of trust:
//   the influencer's own override for the item > the Creators API (only while under 24 h old) > details the operator
//   gave when adding it (products.title/image/price, `storefront add --title …`) > the product name in the
//   organisation's own reports (ledger) > nothing, which the page shows as "no details yet".
// Every value says where it came from; prices carry their as-of time and, past an hour, Amazon's disclaimer
// (displayRules.ts). Reading only: nothing here asks Amazon.
import type { Db } from '../../db/database.ts';
import type { CatalogueEntry, CatalogueHealth, CatalogueState } from '../../db/schema.ts';
import type { Influencer } from '../organisations/types.ts';
import { apiDataShowable, showableImageUrl, showPrice, type ShownPrice } from './displayRules.ts';

export type CatalogueSource = 'influencer' | 'api' | 'operator' | 'ledger';

export interface Sourced<T> {
  value: T;
  source: CatalogueSource;
}

export interface CatalogueProduct {
  asin: string;
  marketplace: string;
  title?: Sourced<string>;
  imageUrl?: Sourced<string>;
  price?: ShownPrice & { source: CatalogueSource };
  /** From the API only, and only while its data may be shown. */
  brand?: string;
  features?: string[];
  availability?: string;
  /** The influencer's personal note on the item. */
  note?: string;
  /** When the API data shown was fetched (absent: none shown). */
  apiFetchedAt?: Date;
  /** What Amazon's side knows: pending (not fetched yet), ok, unknown_asin; 'stale' when its data is too old to show. */
  apiState: CatalogueState | 'stale';
  /** False when there is nothing to show but the ASIN: the page says "no details yet". */
  hasDetails: boolean;
  /** Link health from the last fetch (linkHealth.ts): absent until Amazon said. */
  health?: CatalogueHealth;
}

export interface ItemOverride {
  title: string | null;
  imageUrl: string | null;
  priceMinor: number | null;
  currency: string | null;
  /** When the influencer last set them: the as-of time of their price. */
  updatedAt: Date | null;
  note: string | null;
}

export interface OperatorDetails {
  title: string | null;
  imageUrl: string | null;
  priceMinor: number | null;
  currency: string | null;
  updatedAt: Date;
}

export interface ResolveInput {
  asin: string;
  marketplace: string;
  override?: ItemOverride | undefined;
  api?: Pick<CatalogueEntry, 'state' | 'title' | 'brand' | 'features' | 'image_url' | 'price_minor' | 'currency' | 'availability' | 'fetched_at'> | undefined;
  operator?: OperatorDetails | undefined;
  ledgerName?: string | null | undefined;
}

/** The storefront_items columns (as i) that itemOverride reads. */
export const OVERRIDE_COLUMNS = [
  'i.title_override',
  'i.image_url_override',
  'i.price_override_minor',
  'i.price_override_currency',
  'i.override_updated_at',
  'i.note',
] as const;

/** A row selected with OVERRIDE_COLUMNS. */
export interface OverrideRow {
  title_override: string | null;
  image_url_override: string | null;
  price_override_minor: number | null;
  price_override_currency: string | null;
  override_updated_at: Date | null;
  note: string | null;
}

/** The influencer's own part of resolveProduct's input, from a row selected with OVERRIDE_COLUMNS. */
export function itemOverride(r: OverrideRow): ItemOverride {
  return {
    title: r.title_override,
    imageUrl: r.image_url_override,
    priceMinor: r.price_override_minor,
    currency: r.price_override_currency,
    updatedAt: r.override_updated_at,
    note: r.note,
  };
}

/** The products and catalogue_entries columns (products as p, catalogue_entries as c) that catalogueSources reads. */
export const CATALOGUE_COLUMNS = [
  'p.title as p_title',
  'p.image_url as p_image',
  'p.price_minor as p_price',
  'p.currency as p_currency',
  'p.updated_at as p_updated',
  'c.state',
  'c.title',
  'c.brand',
  'c.features',
  'c.image_url',
  'c.price_minor',
  'c.currency',
  'c.availability',
  'c.fetched_at',
] as const;

/** A row selected with CATALOGUE_COLUMNS. */
export interface CatalogueRow {
  p_title: string | null;
  p_image: string | null;
  p_price: number | null;
  p_currency: string | null;
  p_updated: Date;
  state: CatalogueEntry['state'] | null;
  title: string | null;
  brand: string | null;
  features: string[] | null;
  image_url: string | null;
  price_minor: number | null;
  currency: string | null;
  availability: string | null;
  fetched_at: Date | null;
}

/** The API's and the operator's part of resolveProduct's input, from a row selected with CATALOGUE_COLUMNS. */
export function catalogueSources(r: CatalogueRow): Pick<ResolveInput, 'api' | 'operator'> {
  return {
    api: r.state
      ? {
          state: r.state,
          title: r.title,
          brand: r.brand,
          features: r.features,
          image_url: r.image_url,
          price_minor: r.price_minor,
          currency: r.currency,
          availability: r.availability,
          fetched_at: r.fetched_at,
        }
      : undefined,
    operator: { title: r.p_title, imageUrl: r.p_image, priceMinor: r.p_price, currency: r.p_currency, updatedAt: r.p_updated },
  };
}

/** One product's fields from its sources, under the display rules at `now`. Pure. */
export function resolveProduct(input: ResolveInput, now: Date): CatalogueProduct {
  const { override, operator } = input;
  const api = input.api && apiDataShowable(input.api.fetched_at, now) ? input.api : undefined;
  const out: CatalogueProduct = {
    asin: input.asin,
    marketplace: input.marketplace,
    apiState: input.api ? (input.api.fetched_at && !api && input.api.state === 'ok' ? 'stale' : input.api.state) : 'pending',
    hasDetails: false,
  };
  const first = <T>(...options: Array<[T | null | undefined, CatalogueSource]>): Sourced<T> | undefined => {
    for (const [value, source] of options) if (value !== null && value !== undefined && value !== '') return { value, source };
    return undefined;
  };
  const title = first<string>([override?.title, 'influencer'], [api?.title, 'api'], [operator?.title, 'operator'], [input.ledgerName, 'ledger']);
  const imageUrl = first<string>(
    [showableImageUrl(override?.imageUrl), 'influencer'],
    [showableImageUrl(api?.image_url), 'api'],
    [showableImageUrl(operator?.imageUrl), 'operator'],
  );
  if (title) out.title = title;
  if (imageUrl) out.imageUrl = imageUrl;
  if (override?.priceMinor != null && override.currency && override.updatedAt)
    out.price = { ...showPrice(override.priceMinor, override.currency, override.updatedAt, now), source: 'influencer' };
  else if (api?.price_minor != null && api.currency) out.price = { ...showPrice(api.price_minor, api.currency, api.fetched_at!, now), source: 'api' };
  else if (operator?.priceMinor != null && operator.currency)
    out.price = { ...showPrice(operator.priceMinor, operator.currency, operator.updatedAt, now), source: 'operator' };
  if (api) {
    out.apiFetchedAt = api.fetched_at!;
    if (api.brand) out.brand = api.brand;
    if (api.features?.length) out.features = api.features;
    if (api.availability) out.availability = api.availability;
  }
  if (override?.note) out.note = override.note;
  out.hasDetails = Boolean(out.title || out.imageUrl || out.price);
  return out;
}

/** The newest report name per ASIN of one marketplace, from the organisation's own ledger. */
export async function ledgerNames(db: Db, organisationId: number, products: Array<{ asin: string; marketplace: string }>): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (products.length === 0) return names;
  const rows = await db
    .selectFrom('ledger_entries')
    .select(['asin', 'marketplace', 'product_name'])
    .distinctOn(['asin', 'marketplace'])
    .where('organisation_id', '=', organisationId)
    .where('product_name', 'is not', null)
    .where('asin', 'in', [...new Set(products.map((p) => p.asin))])
    .where('marketplace', 'in', [...new Set(products.map((p) => p.marketplace))])
    .orderBy('asin')
    .orderBy('marketplace')
    .orderBy('occurred_at', 'desc')
    .execute();
  for (const r of rows) if (r.asin && r.product_name) names.set(`${r.marketplace}|${r.asin}`, r.product_name);
  return names;
}

export interface CatalogueStorefront {
  profile: { handle: string; displayName: string; bio: string | null; avatarUrl: string | null };
  lists: Array<{ name: string; items: Array<CatalogueProduct & { linkCode: string }> }>;
}

/** An influencer's storefront with every item resolved: what the storefront page will show (reads only). */
/** What a storefront shows of its influencer; a caller that has the influencer already passes it instead of the id. */
type StorefrontOwner = Omit<Influencer, 'createdAt'>;

export async function getCatalogueStorefront(db: Db, owner: number | StorefrontOwner, now: Date = new Date()): Promise<CatalogueStorefront | undefined> {
  const influencer =
    typeof owner === 'number'
      ? await db
          .selectFrom('influencers')
          .select(['id', 'organisation_id as organisationId', 'handle', 'display_name as displayName', 'bio', 'avatar_url as avatarUrl'])
          .where('id', '=', owner)
          .executeTakeFirst()
      : owner;
  if (!influencer) return undefined;
  const influencerId = influencer.id;
  const profile = {
    handle: influencer.handle,
    displayName: influencer.displayName,
    bio: influencer.bio,
    avatarUrl: showableImageUrl(influencer.avatarUrl) ?? null,
  };
  const rows = await db
    .selectFrom('storefront_items as i')
    .innerJoin('storefronts as s', 's.id', 'i.storefront_id')
    .innerJoin('storefront_lists as l', 'l.id', 'i.list_id')
    .innerJoin('products as p', 'p.id', 'i.product_id')
    .innerJoin('links as k', (j) =>
      j.onRef('k.product_id', '=', 'i.product_id').on('k.influencer_id', '=', influencerId).on('k.campaign', '=', 'storefront').on('k.disabled_at', 'is', null),
    )
    .leftJoin('catalogue_entries as c', 'c.product_id', 'p.id')
    .select(['l.name as list', 'p.asin', 'p.marketplace', ...CATALOGUE_COLUMNS, ...OVERRIDE_COLUMNS, 'c.health', 'k.code'])
    .where('s.influencer_id', '=', influencerId)
    .orderBy('l.position')
    .orderBy('l.id')
    .orderBy('i.position')
    .orderBy('i.id')
    .execute();
  const names = await ledgerNames(db, influencer.organisationId, rows);
  const lists: CatalogueStorefront['lists'] = [];
  for (const r of rows) {
    let list = lists.at(-1);
    if (!list || list.name !== r.list) lists.push((list = { name: r.list, items: [] }));
    const product = resolveProduct(
      {
        asin: r.asin,
        marketplace: r.marketplace,
        override: itemOverride(r),
        ...catalogueSources(r),
        ledgerName: names.get(`${r.marketplace}|${r.asin}`),
      },
      now,
    );
    if (r.health) product.health = r.health;
    list.items.push({ ...product, linkCode: r.code });
  }
  return { profile, lists };
}

/** One product as an organisation's members see it (no influencer overrides): for chat cards. */
export async function getCatalogueProduct(
  db: Db,
  args: { organisationId: number; asin: string; marketplace: string },
  now: Date = new Date(),
): Promise<CatalogueProduct> {
  const row = await db
    .selectFrom('products as p')
    .leftJoin('catalogue_entries as c', 'c.product_id', 'p.id')
    .select(CATALOGUE_COLUMNS)
    .where('p.asin', '=', args.asin)
    .where('p.marketplace', '=', args.marketplace)
    .executeTakeFirst();
  const names = await ledgerNames(db, args.organisationId, [args]);
  return resolveProduct(
    {
      asin: args.asin,
      marketplace: args.marketplace,
      ...(row ? catalogueSources(row) : {}),
      ledgerName: names.get(`${args.marketplace}|${args.asin}`),
    },
    now,
  );
}
