import { Router, type ErrorRequestHandler, type Response } from 'express';
import type { Db } from '../db/database.ts';
import { findInfluencerByHandle } from '../domain/influencers.ts';
import { getCatalogueStorefront } from '../domain/catalogue/resolve.ts';
import { renderShareCard, shareCardEtag } from './shareCard.ts';
import { MESSAGE_PAGE_HEADERS, messagePage } from './html.ts';
import { renderStorefrontPage, STOREFRONT_HEADERS, type StorefrontPageData } from './storefrontPage.ts';

const NOT_FOUND_PAGE = messagePage('Storefront not found', 'There is no storefront at this address.');

function sendNotFound(res: Response): void {
  res.status(404).type('html').set(MESSAGE_PAGE_HEADERS).set('cache-control', 'no-store').send(NOT_FOUND_PAGE);
}

/** What the page shows: the catalogue's resolved storefront (reads only, never asks Amazon) and its own title. */
async function pageData(db: Db, influencerId: number): Promise<StorefrontPageData | undefined> {
  const [catalogue, storefront] = await Promise.all([
    getCatalogueStorefront(db, influencerId),
    db.selectFrom('storefronts').select(['title', 'description']).where('influencer_id', '=', influencerId).executeTakeFirst(),
  ]);
  return catalogue && { ...catalogue, title: storefront?.title ?? null, description: storefront?.description ?? null };
}

const ifNoneMatch = (header: string | undefined, etag: string) => header !== undefined && (header.trim() === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag));

export function storefrontRouter(db: Db, publicBaseUrl: string): Router {
  const router = Router();
  router.get('/s/:handle', async (req, res) => {
    const influencer = req.params.handle.length <= 64 ? await findInfluencerByHandle(db, req.params.handle) : undefined;
    if (!influencer) {
      sendNotFound(res);
      return;
    }
    const view = await pageData(db, influencer.id);
    if (!view) {
      sendNotFound(res);
      return;
    }
    // Short shared caching: edits show within a minute, while bursts from a viral post hit the cache.
    res.status(200).type('html').set(STOREFRONT_HEADERS).set('cache-control', 'public, max-age=60').send(renderStorefrontPage(view, publicBaseUrl));
  });
  // The share card: rendered from the storefront's name and product count, revalidated by ETag.
  router.get('/s/:handle/card.png', async (req, res) => {
    const influencer = req.params.handle.length <= 64 ? await findInfluencerByHandle(db, req.params.handle) : undefined;
    const view = influencer && (await pageData(db, influencer.id));
    if (!view) {
      sendNotFound(res);
      return;
    }
    const data = {
      title: view.title ?? `${view.profile.displayName}'s storefront`,
      handle: view.profile.handle,
      displayName: view.profile.displayName,
      productCount: new Set(view.lists.flatMap((l) => l.items.map((i) => `${i.marketplace}|${i.asin}`))).size,
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
