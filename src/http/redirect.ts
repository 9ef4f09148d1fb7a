// GET /l/:code, served on the raw node:http request ahead of express: this is the hottest path.
// It answers from the link cache and records the click only after the response has been sent.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config.ts';
import type { ClickBuffer } from '../domain/clicks/clickBuffer.ts';
import { countryCode } from '../domain/clicks/classify.ts';
import { CODE_RE } from '../domain/links/links.ts';
import type { LinkCache } from './linkCache.ts';
import type { Metrics } from './metrics.ts';
import { MESSAGE_PAGE_HEADERS, messagePage } from './html.ts';
import type { Logger } from '../log.ts';
import { isConnectionError, type ConnectionState } from '../connectionState.ts';

const NOT_FOUND_PAGE = messagePage('Link not found', 'This link does not exist or is no longer active. Check that it was copied whole.');
const BAD_REQUEST_PAGE = messagePage('Bad link', 'That is not a valid link.');
// Never cached, so every click of a follower reaches us and is counted. no-store alone forbids every cache to keep
// it (RFC 9111); private is for shared caches that predate it. The longer form (no-cache, must-revalidate,
// max-age=0) said the same in 32 more bytes on the hottest response.
const NO_STORE = 'private, no-store';
export const REDIRECT_ROUTE = '/l/:code';

export interface RedirectDeps {
  config: Pick<Config, 'TRUST_PROXY' | 'CLICK_COUNTRY_HEADER'>;
  cache: LinkCache;
  clicks: ClickBuffer;
  metrics: Metrics;
  log: Logger;
  /** Postgres reachability: a lookup failing because Postgres is away is one outage, not one error per click. */
  postgresState?: ConnectionState | undefined;
  /** For a code that leads nowhere (a deleted link): its influencer's handle, so the 404 page offers their storefront. */
  storefrontOfCode?: ((code: string) => Promise<string | undefined>) | undefined;
}

/** The 404 of a code whose influencer is known: the link is gone, their storefront is not. */
export function goneLinkPage(handle: string): string {
  return messagePage('Link no longer active', `This link has been removed. The products @${handle} recommends are on their storefront.`, {
    href: `/s/${encodeURIComponent(handle)}`,
    label: `Open @${handle}'s storefront`,
  });
}

/** Returns true when the request was a /l/ request and has been handled. */
export function createRedirectHandler(deps: RedirectDeps) {
  const countryHeader = deps.config.CLICK_COUNTRY_HEADER?.toLowerCase();
  // Bound once: resolving the label on every redirect showed up in the benchmark's profile.
  const redirected = deps.metrics.redirects.labels({ outcome: 'redirect' });
  // Request count and latency by status, in plain numbers (see RouteTiming): GET and HEAD series held here.
  const http = deps.metrics.http;
  const getTiming = http.timing(REDIRECT_ROUTE, 'GET');
  const headTiming = http.timing(REDIRECT_ROUTE, 'HEAD');
  const timed = (req: IncomingMessage, status: number, start: number) =>
    (req.method === 'GET' ? getTiming : req.method === 'HEAD' ? headTiming : http.timing(REDIRECT_ROUTE, req.method)).record(
      status,
      (performance.now() - start) / 1000,
    );

  const sendPage = (req: IncomingMessage, res: ServerResponse, status: number, body: string, outcome: string, start: number) => {
    deps.metrics.redirects.inc({ outcome });
    res.writeHead(status, {
      ...MESSAGE_PAGE_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'cache-control': NO_STORE,
      'x-robots-tag': 'noindex',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
    timed(req, status, start);
  };

  const redirect = (req: IncomingMessage, res: ServerResponse, linkId: number, destination: string, start: number) => {
    redirected.inc();
    // A flat list (Node writes it without building a header object). nosniff stays with every other answer of ours
    // (scanners and the security tests expect it everywhere); Referrer-Policy keeps the short link and the page it
    // was on from Amazon's Referer.
    res.writeHead(302, [
      'location',
      destination,
      'cache-control',
      NO_STORE,
      'x-robots-tag',
      'noindex',
      'referrer-policy',
      'no-referrer',
      'x-content-type-options',
      'nosniff',
      'content-length',
      '0',
    ]);
    res.end();
    timed(req, 302, start);
    if (req.method === 'HEAD') return; // link checkers, not followers
    deps.clicks.push({
      linkId,
      at: new Date(),
      ip: clientIp(req, deps.config.TRUST_PROXY),
      userAgent: req.headers['user-agent'],
      referer: req.headers.referer,
      country: countryHeader ? countryCode(req.headers[countryHeader]) : null,
    });
  };

  return function handleRedirect(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '';
    if (!url.startsWith('/l/')) return false;
    const start = performance.now();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-length': 0 });
      res.end();
      timed(req, 405, start);
      return true;
    }
    const q = url.indexOf('?');
    let code = q === -1 ? url.slice(3) : url.slice(3, q);
    if (code.endsWith('/')) code = code.slice(0, -1);
    if (!CODE_RE.test(code)) {
      // Wrong characters or absurd length: malformed (400). Plausible but wrong length: simply unknown (404).
      const malformed = code.length > 64 || /[^0-9A-Za-z]/.test(code);
      sendPage(req, res, malformed ? 400 : 404, malformed ? BAD_REQUEST_PAGE : NOT_FOUND_PAGE, 'invalid', start);
      return true;
    }
    const warm = deps.cache.peek(code);
    if (warm) {
      redirect(req, res, warm.linkId, warm.destination, start);
      return true;
    }
    // Not found: a plain 404, or one pointing at the storefront of the link's influencer when the code was theirs.
    const notFound = () => {
      if (!deps.storefrontOfCode) return sendPage(req, res, 404, NOT_FOUND_PAGE, 'not_found', start);
      deps.storefrontOfCode(code).then(
        (handle) => sendPage(req, res, 404, handle ? goneLinkPage(handle) : NOT_FOUND_PAGE, 'not_found', start),
        () => sendPage(req, res, 404, NOT_FOUND_PAGE, 'not_found', start),
      );
    };
    if (warm === null) {
      notFound();
      return true;
    }
    deps.cache.lookup(code).then(
      (target) => (target ? redirect(req, res, target.linkId, target.destination, start) : notFound()),
      (err: unknown) => {
        if (deps.postgresState && isConnectionError(err)) deps.postgresState.failed(err, 'link lookup');
        else deps.log.error({ err, code }, 'link lookup failed');
        sendPage(req, res, 503, messagePage('Try again shortly', 'We could not open this link just now. Please try again in a moment.'), 'error', start);
      },
    );
    return true;
  };
}

export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const fwd = req.headers['x-forwarded-for'];
    const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? '';
}
