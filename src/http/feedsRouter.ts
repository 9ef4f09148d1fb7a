// POST /api/feeds/:network — a report file as the body, streamed to storage and queued for ingest.
// GET /api/feeds/ingests/:id — its status, counts and row errors. Both need the FEED_API_TOKEN bearer.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { findMarketplace } from '../domain/amazon/marketplaces.ts';
import { createIngest, getIngest, ingestStatus, NETWORK_RE } from '../domain/ingest/ingests.ts';
import { storeStream, TooLargeError } from '../domain/ingest/storeFile.ts';
import { isUserError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Queues } from '../queues.ts';

const digest = (v: string) => createHash('sha256').update(v).digest();

function bearer(token: string | undefined): RequestHandler {
  const expected = token ? digest(token) : undefined;
  return (req, res, next) => {
    if (!expected) {
      res.status(503).json({ error: 'The feeds API is off: FEED_API_TOKEN is not set.' });
      return;
    }
    const m = /^Bearer ([^\s]+)$/.exec(req.headers.authorization ?? '');
    // Compare digests so the comparison takes the same time whatever the length of the guess.
    if (!m || !timingSafeEqual(digest(m[1]!), expected)) {
      res.status(401).set('www-authenticate', 'Bearer').json({ error: 'A valid bearer token is required.' });
      return;
    }
    next();
  };
}

export function feedsRouter(deps: { config: Config; db: Db; queues: Queues; log: Logger }): Router {
  const router = Router();
  const auth = bearer(deps.config.FEED_API_TOKEN);
  const max = deps.config.FEED_MAX_BYTES;

  router.post('/api/feeds/:network', auth, async (req, res) => {
    const network = String(req.params.network).toLowerCase();
    if (!NETWORK_RE.test(network)) {
      res.status(400).json({ error: 'The network must be a short name like amazon.' });
      return;
    }
    const rawMarket = typeof req.query.marketplace === 'string' ? req.query.marketplace : undefined;
    const market = rawMarket === undefined ? undefined : findMarketplace(rawMarket);
    if (rawMarket !== undefined && !market) {
      res.status(400).json({ error: `Unknown marketplace "${rawMarket.slice(0, 40)}".` });
      return;
    }
    if (Number(req.headers['content-length'] ?? 0) > max) {
      res.status(413).set('connection', 'close').json({ error: new TooLargeError(max).message });
      req.destroy();
      return;
    }
    let stored;
    try {
      stored = await storeStream(req, deps.config.FEED_STORAGE_DIR, max);
    } catch (err) {
      if (err instanceof TooLargeError) {
        res.status(413).set('connection', 'close').json({ error: err.message });
        req.destroy();
        return;
      }
      if (isUserError(err)) {
        res.status(400).json({ error: err.message });
        return;
      }
      throw err;
    }
    const fileName = typeof req.query.filename === 'string' ? req.query.filename : null;
    const ingestId = await createIngest(deps.db, { network, source: 'api', filePath: stored.path, fileName, sha256: stored.sha256, byteSize: stored.bytes, marketplace: market?.code ?? null });
    try {
      await deps.queues.ingest.add('ingest', { ingestId }, { jobId: ingestId });
    } catch (err) {
      deps.log.error({ err, ingestId }, 'could not queue ingest');
      await deps.db.updateTable('feed_ingests').set({ status: 'failed', error: 'Could not be queued; please upload again.' }).where('id', '=', ingestId).execute();
      res.status(503).json({ error: 'The ingest queue is unavailable; please try again.', ingestId });
      return;
    }
    res.status(202).location(`/api/feeds/ingests/${ingestId}`).json({ ingestId, status: 'queued', bytes: stored.bytes, statusUrl: `${deps.config.PUBLIC_BASE_URL}/api/feeds/ingests/${ingestId}` });
  });

  router.get('/api/feeds/ingests/:id', auth, async (req, res) => {
    const ingest = await getIngest(deps.db, String(req.params.id));
    if (!ingest) {
      res.status(404).json({ error: 'No ingest has that id.' });
      return;
    }
    res.set('cache-control', 'no-store').json(ingestStatus(ingest));
  });
  return router;
}
