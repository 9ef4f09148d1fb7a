// Amazon's display rules for product data, written once. Everything that shows catalogue data goes through these:
// - API data is refreshed once it is older than REFRESH_AFTER_MS and never shown older than API_MAX_AGE_MS (past
//   that the API's fields count as absent, whatever is stored);
// - images are shown by Amazon's URL only: nothing downloads or stores an image file;
// - a price always travels with the time it was true ("as of"), and with Amazon's disclaimer once it is more than
//   an hour old;
// - no price history: a fetch overwrites the stored price (catalogue_entries has one row per product).
// Source: the Associates Program Operating Agreement / Product Advertising (now Creators) API License Agreement,
// which PA-API 5.0's and the Creators API's documentation both point to for these rules.

export const HOUR_MS = 3_600_000;
/** API data older than this is never shown. */
export const API_MAX_AGE_MS = 24 * HOUR_MS;
/** The refresh asks again a little before the limit, so data stays showable without a gap. */
export const REFRESH_AFTER_MS = 23 * HOUR_MS;
/** A price older than this is shown with PRICE_DISCLAIMER. */
export const PRICE_DISCLAIMER_AFTER_MS = HOUR_MS;
/** An ASIN Amazon said it does not know is asked about again after this, not sooner. */
export const UNKNOWN_ASIN_RETRY_MS = 24 * HOUR_MS;

/** Amazon's wording for a price that is not live (Associates Program Operating Agreement). */
export const PRICE_DISCLAIMER =
  'Product prices and availability are accurate as of the date/time indicated and are subject to change. Any price and availability information displayed on Amazon at the time of purchase will apply to the purchase of this product.';

/** Whether API data fetched at `fetchedAt` may still be shown at `now`. */
export function apiDataShowable(fetchedAt: Date | null | undefined, now: Date): fetchedAt is Date {
  return fetchedAt != null && now.getTime() - fetchedAt.getTime() <= API_MAX_AGE_MS && fetchedAt.getTime() <= now.getTime() + 60_000;
}

/** Whether API data fetched at `fetchedAt` is due for a refresh at `now` (never fetched: due). */
export function apiDataDue(fetchedAt: Date | null | undefined, now: Date): boolean {
  return fetchedAt == null || now.getTime() - fetchedAt.getTime() >= REFRESH_AFTER_MS;
}

export interface ShownPrice {
  minor: number;
  currency: string;
  /** When the price was true. */
  asOf: Date;
  /** Amazon's disclaimer, present when the price is more than an hour old. */
  disclaimer?: string;
}

/** A price as it may be shown: always with its as-of time, and the disclaimer once it is over an hour old. */
export function showPrice(minor: number, currency: string, asOf: Date, now: Date): ShownPrice {
  const price: ShownPrice = { minor, currency, asOf };
  if (now.getTime() - asOf.getTime() > PRICE_DISCLAIMER_AFTER_MS) price.disclaimer = PRICE_DISCLAIMER;
  return price;
}

/** An image URL fit to show (https, no credentials in it), or undefined: images are linked, never fetched or stored. */
export function showableImageUrl(raw: string | null | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' && !url.username && !url.password ? url.href : undefined;
  } catch {
    return undefined;
  }
}
