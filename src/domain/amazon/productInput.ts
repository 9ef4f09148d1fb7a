// Turns what a person pastes (an ASIN or any Amazon product URL form) into marketplace + ASIN.
// Only exact Amazon store hosts are accepted, so look-alike hosts and userinfo tricks are rejected.
import { UserError } from '../../errors.ts';
import { marketplaceForHost } from './marketplaces.ts';

export const SHORT_LINK_HOSTS: ReadonlySet<string> = new Set(['amzn.to', 'a.co', 'amzn.eu']);
const MAX_INPUT = 2048;

// Modern ASINs start with B; books use their ISBN-10 (nine digits and a digit or X).
const ASIN_RE = /^(?:B[0-9A-Z]{9}|[0-9]{9}[0-9X])$/;
const PATH_RE = /\/(?:dp|gp\/product|gp\/aw\/d|exec\/obidos\/asin)\/([0-9A-Za-z]{10})(?=[/?#;]|$)/i;

export type ParsedProductInput =
  | { kind: 'product'; asin: string; marketplace: string | undefined }
  | { kind: 'short'; url: URL };

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
  const match = PATH_RE.exec(url.pathname);
  const asin = match?.[1]?.toUpperCase();
  if (!asin || !ASIN_RE.test(asin)) throw notProduct('That Amazon link does not point to a product page.');
  return { kind: 'product', asin, marketplace: market.code };
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
