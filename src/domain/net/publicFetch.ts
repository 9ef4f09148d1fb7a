// Outbound HTTP to URLs that someone else chose (feed-source URLs, amzn.to short links), guarded against reaching
// this machine, its network or the cloud's metadata service (SSRF). The guard sits where the connection is made:
// an IP literal is judged before connecting, a host name by every address DNS gives for it, inside the socket's own
// lookup, so the address judged is the address connected to (no second resolution to rebind). Redirects are
// followed by hand, each hop judged the same way; headers given by the caller are not sent to another origin.
import { lookup as dnsLookup } from 'node:dns';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { connectionRefusal, type AllowList } from './publicAddress.ts';

export interface ResolvedAddress {
  address: string;
  family: number;
}

export interface OutboundPolicy {
  /** Non-public addresses that may still be reached: the operator's FEED_POLL_ALLOW_PRIVATE, a test's own server. */
  allow?: AllowList | undefined;
  /** Name resolution (default: the system resolver, every address): tests answer names without the internet. */
  resolve?: ((hostname: string) => Promise<ResolvedAddress[]>) | undefined;
}

/** The request would reach an address that is not public (or is not http/https at all); nothing was sent there. */
export class RefusedDestinationError extends Error {
  override name = 'RefusedDestinationError';
  readonly code = 'refused_destination';
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`Refused ${url}: ${reason}`);
  }
}

export interface PublicResponse {
  url: URL;
  status: number;
  headers: IncomingHttpHeaders;
  /** The body (decompressed when `decompress` was asked); destroy it when it is not read. */
  body: Readable;
}

export interface PublicRequestOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
  policy?: OutboundPolicy | undefined;
  /** Ask for gzip/deflate/br and decode it, as fetch() does. */
  decompress?: boolean;
  /** Ask for gzip/deflate/br without decoding (fetchPublic decodes the final answer). */
  acceptEncoding?: boolean;
}

const systemResolve = (hostname: string) =>
  new Promise<ResolvedAddress[]>((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

const portOf = (url: URL) => Number(url.port || (url.protocol === 'https:' ? 443 : 80));

/** The socket's name resolution: every address the name has must be allowed, or the connection is refused. */
function guardedLookup(url: URL, policy: OutboundPolicy | undefined, refused: (e: RefusedDestinationError) => void): LookupFunction {
  const resolve = policy?.resolve ?? systemResolve;
  const port = portOf(url);
  return ((hostname: string, options: { family?: number | string; all?: boolean }, callback: (...args: unknown[]) => void) => {
    resolve(hostname).then(
      (found) => {
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : Number(options.family ?? 0);
        const addresses = found.filter((a) => family === 0 || a.family === family);
        if (addresses.length === 0) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }));
        for (const a of addresses) {
          const why = connectionRefusal(a.address, port, policy?.allow);
          if (why) {
            const err = new RefusedDestinationError(url.href, `${hostname} resolves to ${why}`);
            refused(err);
            return callback(err);
          }
        }
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: unknown) => callback(err),
    );
  }) as LookupFunction;
}

/** One request, no redirect followed: the response whatever its status. Throws RefusedDestinationError before sending anything a guard refuses. */
export function requestPublic(url: URL, opts: PublicRequestOptions = {}): Promise<PublicResponse> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return Promise.reject(new RefusedDestinationError(url.href, 'only http and https URLs are fetched'));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const why = connectionRefusal(host, portOf(url), opts.policy?.allow);
    if (why) return Promise.reject(new RefusedDestinationError(url.href, why));
  }
  return new Promise((resolve, reject) => {
    let refusal: RefusedDestinationError | undefined;
    const headers: Record<string, string> = {
      'user-agent': 'affiliate-chat/1.0',
      ...(opts.decompress || opts.acceptEncoding ? { 'accept-encoding': 'gzip, deflate, br' } : {}),
      ...opts.headers,
    };
    const req = (url.protocol === 'https:' ? https : http).request(
      {
        protocol: url.protocol,
        hostname: host,
        port: portOf(url),
        path: `${url.pathname}${url.search}`,
        method: opts.method ?? 'GET',
        headers,
        signal: opts.signal,
        // A fresh socket per request: a pooled one could have been opened without this guard.
        agent: false,
        // IP literals never reach lookup (judged above); names are judged here, on the addresses actually used.
        lookup: guardedLookup(url, opts.policy, (e) => (refusal = e)),
        ...(url.protocol === 'https:' && !isIP(host) ? { servername: host } : {}),
      },
      (res) => resolve({ url, status: res.statusCode ?? 0, headers: res.headers, body: opts.decompress ? decoded(res) : res }),
    );
    req.on('error', (err) => reject(refusal ?? err));
    req.end();
  });
}

function decoded(res: IncomingMessage): Readable {
  const encoding = String(res.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : undefined;
  if (!decoder) return res;
  res.on('error', (err) => decoder.destroy(err));
  return res.pipe(decoder);
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * GET with redirects followed by hand (at most `maxRedirects`), every hop judged before anything is sent to it.
 * The caller's headers go to the first origin only, as credentials should.
 */
export async function fetchPublic(url: URL | string, opts: PublicRequestOptions & { maxRedirects?: number } = {}): Promise<PublicResponse> {
  const start = new URL(url);
  let current = start;
  let headers = opts.headers;
  for (let hop = 0; ; hop++) {
    // Decoding waits for the final answer, so a redirect's own socket is what gets closed.
    const res = await requestPublic(current, { ...opts, headers, decompress: false, ...(opts.decompress ? { acceptEncoding: true } : {}) });
    const location = res.headers.location;
    if (!REDIRECTS.has(res.status) || !location) return opts.decompress ? { ...res, body: decoded(res.body as IncomingMessage) } : res;
    res.body.destroy();
    if (hop >= (opts.maxRedirects ?? 5)) throw new Error(`GET ${start.host}: more than ${opts.maxRedirects ?? 5} redirects`);
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw new Error(`GET ${current.host} redirected to an invalid URL`);
    }
    if (next.origin !== start.origin) headers = undefined;
    current = next;
  }
}
