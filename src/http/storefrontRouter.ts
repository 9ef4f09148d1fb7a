import { Router, type ErrorRequestHandler, type Response } from 'express';
import type { Db } from '../db/database.ts';
import { findInfluencerByHandle } from '../domain/influencers.ts';
import { getStorefrontView } from '../domain/storefronts.ts';
import { MESSAGE_PAGE_HEADERS, messagePage } from './html.ts';
import { renderStorefrontPage, STOREFRONT_HEADERS } from './storefrontPage.ts';

const NOT_FOUND_PAGE = messagePage('Storefront not found', 'There is no storefront at this address.');

function sendNotFound(res: Response): void {
  res.status(404).type('html').set(MESSAGE_PAGE_HEADERS).set('cache-control', 'no-store').send(NOT_FOUND_PAGE);
}

export function storefrontRouter(db: Db, publicBaseUrl: string): Router {
  const router = Router();
  router.get('/s/:handle', async (req, res) => {
    const influencer = req.params.handle.length <= 64 ? await findInfluencerByHandle(db, req.params.handle) : undefined;
    if (!influencer) {
      sendNotFound(res);
      return;
    }
    const view = await getStorefrontView(db, influencer);
    // Short shared caching: edits show within a minute, while bursts from a viral post hit the cache.
    res.status(200).type('html').set(STOREFRONT_HEADERS).set('cache-control', 'public, max-age=60').send(renderStorefrontPage(view, publicBaseUrl));
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
