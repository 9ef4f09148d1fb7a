// Resolves amzn.to / a.co / amzn.eu by reading redirect Locations (never fetching the destination itself),
// hop by hop, with a timeout, until an Amazon product URL appears. Only the short-link hosts are contacted, and
// only at public addresses (the shared guard of src/domain/net/publicFetch.ts judges what DNS answers).
import { UserError } from '../../errors.ts';
import { RefusedDestinationError, requestPublic, type OutboundPolicy } from '../net/publicFetch.ts';
import { parseProductUrl, SHORT_LINK_HOSTS } from './productInput.ts';

export interface ShortLinkResolverOptions {
  timeoutMs: number;
  maxHops?: number;
  /** Test hook: the origin to contact for a short-link host (default: https://<host>). */
  originFor?: (host: string) => string;
  /** Test hook: name resolution and the non-public addresses allowed (default: system DNS, none allowed). */
  outbound?: OutboundPolicy;
}

export type ShortLinkResolver = (url: URL) => Promise<{ asin: string; marketplace: string | undefined }>;

export function createShortLinkResolver(opts: ShortLinkResolverOptions): ShortLinkResolver {
  const maxHops = opts.maxHops ?? 5;
  const originFor = opts.originFor ?? ((host: string) => `https://${host}`);
  return async (start) => {
    let current = start;
    const deadline = AbortSignal.timeout(opts.timeoutMs);
    for (let hop = 0; hop < maxHops; hop++) {
      const host = current.hostname.toLowerCase();
      if (!SHORT_LINK_HOSTS.has(host)) break;
      const target = `${originFor(host)}${current.pathname}${current.search}`;
      let status: number;
      let location: string | undefined;
      try {
        const res = await requestPublic(new URL(target), {
          method: 'GET',
          signal: deadline,
          headers: { 'user-agent': 'affiliate-link-resolver/1.0' },
          policy: opts.outbound,
        });
        res.body.destroy();
        status = res.status;
        location = res.headers.location;
      } catch (err) {
        const timedOut = (err as Error).name === 'TimeoutError' || deadline.aborted;
        if (err instanceof RefusedDestinationError)
          throw new UserError('short_link_failed', `${start.href} leads to an address we do not fetch; paste the full Amazon link instead.`);
        throw new UserError(
          'short_link_failed',
          timedOut
            ? `Resolving ${start.href} timed out; paste the full Amazon link instead.`
            : `Could not resolve ${start.href}; paste the full Amazon link instead.`,
        );
      }
      if (status < 300 || status >= 400 || !location) {
        throw new UserError('short_link_failed', `${start.href} does not redirect to an Amazon product; paste the full Amazon link instead.`);
      }
      current = new URL(location, target.replace(originFor(host), `https://${host}`));
      const parsed = tryParse(current);
      if (parsed) return parsed;
    }
    throw new UserError('not_amazon_product', `${start.href} does not lead to an Amazon product page.`);
  };
}

function tryParse(url: URL): { asin: string; marketplace: string | undefined } | undefined {
  try {
    const parsed = parseProductUrl(url.href);
    return parsed.kind === 'product' ? { asin: parsed.asin, marketplace: parsed.marketplace } : undefined;
  } catch (err) {
    if (SHORT_LINK_HOSTS.has(url.hostname.toLowerCase())) return undefined;
    throw err;
  }
}
