// POST /api/feeds/:network — a report file as the body, streamed to storage and queued for ingest.
// GET /api/feeds/ingests/:id — its status, counts and row errors. Both need a bearer: a feed token of an organisation
// (created by its managers; it acts for that organisation only) or the operator's FEED_API_TOKEN (which names the
// organisation with ?org=, or means the only or default one).
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { findMarketplace } from '../domain/amazon/marketplaces.ts';
import { authenticateFeedToken } from '../domain/feedTokens.ts';
import { createIngest, getIngest, ingestStatus } from '../domain/ingest/ingests.ts';
import { requireNetwork } from '../domain/ingest/networks.ts';
import { operatorOrganisation, parseOrganisationId } from '../domain/organisations.ts';
import { storeStream, TooLargeError } from '../domain/ingest/storeFile.ts';
import { isUserError, UserError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Queues } from '../queues.ts';

const digest = (v: string) => createHash('sha256').update(v).digest();

/** Who is calling: the operator (the global FEED_API_TOKEN), or an organisation through one of its feed tokens. */
type FeedCaller = { kind: 'operator' } | { kind: 'organisation'; organisationId: number };

declare module 'express-serve-static-core' {
  interface Locals {
    feedCaller?: FeedCaller;
  }
}

function bearer(db: Db, operatorToken: string | undefined): RequestHandler {
  const expected = operatorToken ? digest(operatorToken) : undefined;
  return (req, res, next) => {
    const m = /^Bearer ([^\s]+)$/.exec(req.headers.authorization ?? '');
    const refuse = () => void res.status(401).set('www-authenticate', 'Bearer').json({ error: 'A valid bearer token is required (FEED_API_TOKEN, or a feed token of your organisation).' });
    if (!m) return refuse();
    // Compare digests so the comparison takes the same time whatever the length of the guess.
    if (expected && timingSafeEqual(digest(m[1]!), expected)) {
      res.locals.feedCaller = { kind: 'operator' };
      return next();
    }
    authenticateFeedToken(db, m[1]!).then((found) => {
      if (!found) return refuse();
      res.locals.feedCaller = { kind: 'organisation', organisationId: found.organisationId };
      next();
    }, next);
  };
}

/** The organisation an upload belongs to: the token's own, or for the operator ?org= (or the only/default one). */
async function uploadOrganisation(db: Db, caller: FeedCaller, rawOrg: unknown): Promise<number> {
  const named = typeof rawOrg === 'string' && rawOrg !== '' ? parseOrganisationId(rawOrg) : undefined;
  if (caller.kind === 'organisation') {
    if (named !== undefined && named !== caller.organisationId) throw new UserError('forbidden', 'This feed token belongs to another organisation than ?org= names.');
    return caller.organisationId;
  }
  return operatorOrganisation(db, named);
}

export function feedsRouter(deps: { config: Config; db: Db; queues: Queues; log: Logger }): Router {
  const router = Router();
  const auth = bearer(deps.db, deps.config.FEED_API_TOKEN);
  const max = deps.config.FEED_MAX_BYTES;

  router.post('/api/feeds/:network', auth, async (req, res) => {
    let network: string;
    let organisationId: number;
    try {
      network = requireNetwork(String(req.params.network));
      organisationId = await uploadOrganisation(deps.db, res.locals.feedCaller!, req.query.org);
    } catch (err) {
      if (!isUserError(err)) throw err;
      res.status(err.code === 'forbidden' ? 403 : err.code === 'not_found' ? 404 : 400).json({ error: err.message });
      return;
    }
    const confirmReversals = req.query.confirm === '1' || req.query.confirm === 'true';
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
    const ingestId = await createIngest(deps.db, { organisationId, confirmReversals, network, source: 'api', filePath: stored.path, fileName, sha256: stored.sha256, byteSize: stored.bytes, marketplace: market?.code ?? null });
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
    const caller = res.locals.feedCaller!;
    // Another organisation's ingest is answered as if it did not exist: its id tells nothing.
    if (!ingest || (caller.kind === 'organisation' && ingest.organisation_id !== caller.organisationId)) {
      res.status(404).json({ error: 'No ingest has that id.' });
      return;
    }
    res.set('cache-control', 'no-store').json(ingestStatus(ingest));
  });
  return router;
}
