// The only place a redirect destination is made: a fixed Amazon host, a validated ASIN and exactly one tag.
import { UserError } from '../../errors.ts';
import { isAsin } from './productInput.ts';
import { marketplaceForHost, requireMarketplace } from './marketplaces.ts';

const TRACKING_ID_RE = /^[a-z0-9][a-z0-9-]{0,62}-[0-9]{2}$/;

export function isTrackingId(value: string): boolean {
  return TRACKING_ID_RE.test(value);
}

export function normaliseTrackingId(raw: string): string {
  const v = raw.trim().toLowerCase();
  if (!isTrackingId(v)) {
    throw new UserError('invalid_input', `"${raw.trim().slice(0, 80)}" is not a tracking ID. Tracking IDs look like yourname-20.`);
  }
  return v;
}

export function buildTaggedUrl(marketplace: string, asin: string, trackingId: string): string {
  if (!isAsin(asin)) throw new Error(`Refusing to build a link for invalid ASIN ${asin}`);
  if (!isTrackingId(trackingId)) throw new Error(`Refusing to build a link for invalid tracking ID ${trackingId}`);
  const { tld } = requireMarketplace(marketplace);
  return `https://www.amazon.${tld}/dp/${asin}?tag=${trackingId}`;
}

const TAGGED_RE = /^https:\/\/www\.amazon\.([a-z.]+)\/dp\/([0-9A-Z]{10})\?tag=([a-z0-9-]+)$/;

/** A second check at redirect time: only URLs buildTaggedUrl could have made are ever served. */
export function isTaggedAmazonUrl(url: string): boolean {
  const m = TAGGED_RE.exec(url);
  const market = m && marketplaceForHost(`amazon.${m[1]}`);
  if (!m || !market) return false;
  return isAsin(m[2]!) && isTrackingId(m[3]!);
}
