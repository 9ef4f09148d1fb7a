// Turns what a person pastes (an ASIN or any Amazon product URL form) into marketplace + ASIN.
// Only exact Amazon store hosts are accepted, so look-alike hosts and userinfo tricks are rejected.
import { UserError } from '../../errors.ts';
import { marketplaceForHost } from './marketplaces.ts';

export const SHORT_LINK_HOSTS: ReadonlySet<string> = new Set(['amzn.to', 'a.co', 'amzn.eu']);
/** Sponsored-result links carry 1–2 KB of tracking parameters; nothing a person pastes is longer than this. */
const MAX_INPUT = 4096;

// Modern ASINs start with B; books use their ISBN-10 (nine digits and a digit or X).
const ASIN_RE = /^(?:B[0-9A-Z]{9}|[0-9]{9}[0-9X])$/;

/** Where a path segment ends: the ASIN must be a whole segment. */
const END = String.raw`(?=[/?#;]|$)`;
/** A language segment Amazon puts in front of any path on its multilingual stores: `/-/es/`, `/-/en_US/`. */
const LANGUAGE = String.raw`(?:/-/[a-z]{2}(?:[-_][a-z]{2})?)?`;

/**
 * The product-page paths an ASIN is read from (pathnames, percent-encoded as URL gives them):
 *  - anywhere in the path, after a slug or a language segment: `/dp/ASIN`, `/<slug>/dp/ASIN/ref=…`, `/dp/product/ASIN`,
 *    `/gp/product/ASIN`, `/gp/aw/d/ASIN` (mobile), `/gp/offer-listing/ASIN`, `/gp/aw/ol/ASIN` (mobile offers),
 *    `/exec/obidos/ASIN/ASIN`, `/exec/obidos/tg/detail/-/ASIN`, `/product-reviews/ASIN`, `/<slug>/product-reviews/ASIN`;
 *  - only at the start of the path (after an optional language segment), where they cannot be part of something
 *    else: `/o/ASIN/ASIN`, `/o/ASIN`, `/product/ASIN`, and `/d/<category>/<title>/ASIN` (zero to three segments).
 */
const PATH_FORMS: readonly RegExp[] = [
  new RegExp(
    String.raw`/(?:dp(?:/product)?|gp/product|gp/aw/d|gp/aw/ol|gp/offer-listing|exec/obidos/asin|exec/obidos/tg/detail/-|product-reviews)/([0-9A-Za-z]{10})${END}`,
    'i',
  ),
  new RegExp(String.raw`^${LANGUAGE}/(?:o/asin|o|product|d(?:/[^/]+){0,3})/([0-9A-Za-z]{10})${END}`, 'i'),
];
/** Amazon's sponsored-result click wrapper: the product is the store-relative path in its `url` parameter. */
const SPONSORED_CLICK = new RegExp(String.raw`^${LANGUAGE}/sspa/click/?$`, 'i');

export type ParsedProductInput = { kind: 'product'; asin: string; marketplace: string | undefined } | { kind: 'short'; url: URL };

export function isAsin(value: string): boolean {
  return ASIN_RE.test(value);
}

/** Parses an ASIN or URL; short links come back for resolution. Throws UserError for anything else. */
export function parseProductInput(raw: string): ParsedProductInput {
  const input = raw.trim().replace(/^<|>$/g, ''); // chat apps wrap URLs in <…>
  if (!input) throw new UserError('invalid_input', 'Give an ASIN (like B08N5WRWNW) or an Amazon product link.');
  if (input.length > MAX_INPUT) throw new UserError('invalid_input', 'That link is too long to be an Amazon product link.');
  if (ASIN_RE.test(input.toUpperCase()) && !input.includes('.') && !input.includes('/')) {
    return { kind: 'product', asin: input.toUpperCase(), marketplace: undefined };
  }
  return parseProductUrl(input);
}

export function parseProductUrl(input: string): ParsedProductInput {
  const url = toUrl(input);
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (SHORT_LINK_HOSTS.has(host)) {
    if (url.pathname.length < 2) throw notProduct();
    return { kind: 'short', url };
  }
  const market = marketplaceForHost(host.replace(/^(?:www|smile|m)\./, ''));
  if (!market) throw notProduct();
  // A sponsored result wraps the product's own path; it is read from there and never followed anywhere.
  const target = SPONSORED_CLICK.test(url.pathname) ? sponsoredTarget(url) : url;
  const asin = asinOfPage(target);
  if (!asin) throw notProduct('That Amazon link does not point to a product page.');
  return { kind: 'product', asin, marketplace: market.code };
}

/** The ASIN a store page is about: from its path, else from an `asin` query parameter (`?ASIN=…`). */
function asinOfPage(url: URL): string | undefined {
  for (const form of PATH_FORMS) {
    const asin = form.exec(url.pathname)?.[1]?.toUpperCase();
    if (asin && ASIN_RE.test(asin)) return asin;
  }
  for (const [key, value] of url.searchParams) {
    if (key.toLowerCase() !== 'asin') continue;
    const asin = value.trim().toUpperCase();
    if (ASIN_RE.test(asin)) return asin;
  }
  return undefined;
}

/**
 * `/sspa/click?…&url=%2F<slug>%2Fdp%2F<ASIN>%2Fref…`: the inner URL, decoded, must be a path on the same store (one
 * slash, no scheme, no host, no backslash): anything else, another site included, is refused, not followed.
 */
function sponsoredTarget(url: URL): URL {
  const inner = url.searchParams.get('url');
  if (!inner || !inner.startsWith('/') || inner.startsWith('//') || inner.includes('\\') || /[\u0000-\u001f\u007f]/.test(inner)) {
    throw notProduct('That sponsored Amazon link does not lead to a product page on the same store.');
  }
  const target = new URL(inner, url.origin);
  if (target.origin !== url.origin || SPONSORED_CLICK.test(target.pathname)) {
    throw notProduct('That sponsored Amazon link does not lead to a product page on the same store.');
  }
  return target;
}

function toUrl(input: string): URL {
  if (/[\s\u0000-\u001f\u007f]/.test(input)) throw notProduct();
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(input) ? input : `https://${input}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw notProduct();
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw notProduct();
  if (url.username || url.password || url.port) throw notProduct();
  return url;
}

function notProduct(message = 'That is not an Amazon product. Give an ASIN or a link to a product on an Amazon store.'): UserError {
  return new UserError('not_amazon_product', message);
}
