import { Router } from 'express';
import type { Db } from '../db/database.ts';
import { findInfluencerByHandle } from '../domain/influencers.ts';
import { getStorefrontView } from '../domain/storefronts.ts';
import { messagePage } from './html.ts';
import { renderStorefrontPage } from './storefrontPage.ts';

export function storefrontRouter(db: Db, publicBaseUrl: string): Router {
  const router = Router();
  router.get('/s/:handle', async (req, res) => {
    const influencer = req.params.handle.length <= 64 ? await findInfluencerByHandle(db, req.params.handle) : undefined;
    if (!influencer) {
      res.status(404).type('html').set('cache-control', 'no-store').send(messagePage('Storefront not found', 'There is no storefront at this address.'));
      return;
    }
    const view = await getStorefrontView(db, influencer);
    // Short shared caching: edits show within a minute, while bursts from a viral post hit the cache.
    res.status(200).type('html').set('cache-control', 'public, max-age=60').send(renderStorefrontPage(view, publicBaseUrl));
  });
  return router;
}
