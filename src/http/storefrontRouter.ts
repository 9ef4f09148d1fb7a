import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { Router, type ErrorRequestHandler, type Response } from 'express';
import { LRUCache } from 'lru-cache';
import type { Db } from '../db/database.ts';
import { handleOf } from '../domain/common/handles.ts';
import { findInfluencerByHandle } from '../domain/organisations/influencers.ts';
import { getCatalogueStorefront } from '../domain/catalogue/resolve.ts';
import { storefrontSummary, storefrontTitleAndDescription } from '../domain/storefront/storefronts.ts';
import type { Influencer } from '../domain/organisations/types.ts';
import { renderShareCard, shareCardEtag } from './shareCard.ts';
import { MESSAGE_PAGE_HEADERS, messagePage } from './html.ts';
import { renderStorefrontPage, STOREFRONT_HEADERS, type StorefrontPageData } from './storefrontPage.ts';

const NOT_FOUND_PAGE = messagePage('Storefront not found', 'There is no storefront at this address.');

function sendNotFound(res: Response): void {
  res.status(404).type('html').set(MESSAGE_PAGE_HEADERS).set('cache-control', 'no-store').send(NOT_FOUND_PAGE);
}

/** What the page shows: the catalogue's resolved storefront (reads only, never asks Amazon) and its own title. */
async function pageData(db: Db, influencer: Influencer): Promise<StorefrontPageData | undefined> {
  const [catalogue, storefront] = await Promise.all([getCatalogueStorefront(db, influencer), storefrontTitleAndDescription(db, influencer.id)]);
  return catalogue && { ...catalogue, title: storefront?.title ?? null, description: storefront?.description ?? null };
}

const ifNoneMatch = (header: string | undefined, etag: string) =>
  header !== undefined && (header.trim() === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag));

/** A storefront page as sent: the HTML, its gzip and a validator. */
interface RenderedPage {
  html: Buffer;
  gzip: Buffer;
  /** The quoted tag value; sent weak (W/"…"), since the gzip and plain bodies are the same page. */
  etag: string;
  /** When it was rendered (ms since the epoch): a page older than the stale limit is never served. */
  renderedAt: number;
}

// In libuv's thread pool: compressing a 120 KB page does not hold up the redirects and pages served meanwhile.
const gzip = promisify(gzipCallback);

/** Rendered pages kept in memory at most (HTML plus gzip): a 200-product page is about 120 KB + 15 KB. */
const MAX_CACHED_PAGE_BYTES = 32 * 1024 * 1024;
/** The oldest rendering ever answered: with browsers' max-age=60, what a follower sees is at most about two minutes old. */
const STALE_LIMIT_MS = 60_000;

async function renderPage(db: Db, handle: string, publicBaseUrl: string): Promise<RenderedPage | undefined> {
  const influencer = await findInfluencerByHandle(db, handle);
  const view = influencer && (await pageData(db, influencer));
  if (!view) return undefined;
  const html = Buffer.from(renderStorefrontPage(view, publicBaseUrl));
  return {
    html,
    gzip: await gzip(html, { level: 6 }),
    etag: `"${createHash('sha256').update(html).digest('base64url').slice(0, 27)}"`,
    renderedAt: Date.now(),
  };
}

export interface StorefrontRouterOptions {
  /** How long a rendered page is served from memory, ms (0: rendered for every request). */
  cacheMs?: number;
  /** The oldest rendering served while a newer one is made, ms (default STALE_LIMIT_MS). */
  staleLimitMs?: number;
}

export function storefrontRouter(db: Db, publicBaseUrl: string, opts: StorefrontRouterOptions = {}): Router {
  const router = Router();
  // Rendering a 200-product page costs 13-18 ms of CPU (five queries, 117 KB of HTML): one process rendered 60-75 a
  // second (bench:catalogue). Kept a few seconds, a viral storefront costs one render per interval, and concurrent
  // misses share one render (lru-cache's fetch). Pages already say max-age=60 to browsers and CDNs, so a few seconds
  // here add no staleness anyone relies on; the display rules (24 h, price times) are unaffected at that scale.
  // Past its interval a page is served stale while one render runs in the background: under load that render (its
  // queries wait on a busy Postgres) took 100 ms and more, and every request meanwhile waited for it (bench:catalogue's
  // page p99 went from 9 ms over 3 s to 32 ms over 10 s, once a re-render fell inside the run). A page older than
  // STALE_LIMIT_MS (a quiet storefront asked again) is rendered before it is answered.
  const cacheMs = opts.cacheMs ?? 0;
  const staleLimitMs = Math.max(opts.staleLimitMs ?? STALE_LIMIT_MS, cacheMs);
  const pages =
    cacheMs > 0
      ? new LRUCache<string, RenderedPage>({
          maxSize: MAX_CACHED_PAGE_BYTES,
          sizeCalculation: (p) => p.html.length + p.gzip.length,
          ttl: cacheMs,
          allowStale: true,
          fetchMethod: (handle) => renderPage(db, handle, publicBaseUrl),
        })
      : undefined;
  const cachedPage = async (cache: LRUCache<string, RenderedPage>, handle: string) => {
    const page = await cache.fetch(handle);
    return page && Date.now() - page.renderedAt > staleLimitMs ? cache.fetch(handle, { allowStale: false }) : page;
  };
  router.get('/s/:handle', async (req, res) => {
    const handle = req.params.handle.length <= 64 ? handleOf(req.params.handle) : undefined;
    const page = handle === undefined ? undefined : pages ? await cachedPage(pages, handle) : await renderPage(db, handle, publicBaseUrl);
    if (!page) {
      sendNotFound(res);
      return;
    }
    // Short shared caching: edits show within a minute, while bursts from a viral post hit the cache.
    res
      .status(200)
      .type('html')
      .set(STOREFRONT_HEADERS)
      .set({ 'cache-control': 'public, max-age=60', etag: `W/${page.etag}`, vary: 'Accept-Encoding' });
    if (ifNoneMatch(req.headers['if-none-match'], page.etag)) {
      res.status(304).end();
      return;
    }
    if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) res.set('content-encoding', 'gzip').send(page.gzip);
    else res.send(page.html);
  });
  // The share card: rendered from the storefront's name and product count, revalidated by ETag.
  router.get('/s/:handle/card.png', async (req, res) => {
    // Only the name, the title and a count: one query, not the whole catalogue the page resolves.
    const summary = req.params.handle.length <= 64 ? await storefrontSummary(db, req.params.handle) : undefined;
    if (!summary) {
      sendNotFound(res);
      return;
    }
    const data = {
      title: summary.title ?? `${summary.displayName}'s storefront`,
      handle: summary.handle,
      displayName: summary.displayName,
      productCount: summary.productCount,
    };
    const etag = shareCardEtag(data);
    res.set({ etag, 'cache-control': 'public, max-age=3600, stale-while-revalidate=86400', 'x-content-type-options': 'nosniff' });
    // Compared here rather than with req.fresh, which ignores a validator sent with Cache-Control: no-cache; a 304 is
    // exactly the revalidation such a request asks for.
    if (ifNoneMatch(req.headers['if-none-match'], etag)) {
      res.status(304).end();
      return;
    }
    res.status(200).type('png').send(renderShareCard(data).png);
  });
  // A mangled link (`/s/100%`, broken UTF-8) fails to decode before the handler runs. No handle can contain
  // such bytes, so the follower gets the same not-found page rather than a JSON 400 echoing the input.
  const undecodable: ErrorRequestHandler = (err: unknown, _req, res, next) => {
    if (err instanceof URIError && !res.headersSent) sendNotFound(res);
    else next(err);
  };
  router.use('/s', undecodable);
  return router;
}
