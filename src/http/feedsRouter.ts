// POST /api/feeds/:network — a report file as the body, streamed to storage and queued for ingest.
// GET /api/feeds/ingests/:id — its status, counts and row errors. Both need a bearer: a feed token of an organisation
// (created by its managers; it acts for that organisation only) or the operator's FEED_API_TOKEN (which names the
// organisation with ?org=, or means the only or default one).
// While Postgres or Redis is away (or stalled), every step that needs one is bounded: the caller hears 503 "try again"
// within about two seconds, and nothing is left half-stored (a file whose ingest could not be recorded or queued is
// removed, and an ingest that could not be queued is marked failed with the reason).
import { createHash, timingSafeEqual } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { Queue } from 'bullmq';
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { findMarketplace } from '../domain/amazon/marketplaces.ts';
import { authenticateFeedToken } from '../domain/feeds/feedTokens.ts';
import { failIngest } from '../domain/ingest/ingestTransitions.ts';
import { createIngest, getIngest, ingestStatus } from '../domain/ingest/ingests.ts';
import { requireNetwork } from '../domain/ingest/networks.ts';
import { operatorOrganisation, parseOrganisationId } from '../domain/organisations/organisations.ts';
import { storeStream, TooLargeError } from '../domain/ingest/storeFile.ts';
import { isUserError, UserError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { QueuePayloads } from '../queues.ts';
import { isConnectionError, unlessStalled, type ConnectionState } from '../connectionState.ts';

const digest = (v: string) => createHash('sha256').update(v).digest();

/** Each Postgres or Redis step of a request is bounded by this: an outage answers 503 well within 2 s. */
export const DEPENDENCY_TIMEOUT_MS = 1500;

/** Postgres or Redis did not answer a step of the request in time (or refused the connection). */
class Unavailable extends Error {
  override name = 'Unavailable';
  constructor(
    readonly dependency: 'postgres' | 'redis',
    override readonly cause: unknown,
  ) {
    super(`${dependency} unavailable: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/** A step that needs `dependency`, bounded; an unreachable or stalled one becomes Unavailable. */
async function needs<T>(dependency: 'postgres' | 'redis', what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await unlessStalled(step(), DEPENDENCY_TIMEOUT_MS, what);
  } catch (err) {
    // Postgres's own statement timeout (57014) is a stall too.
    if (isConnectionError(err) || (err as { code?: unknown })?.code === '57014' || (dependency === 'redis' && isRedisRefusal(err)))
      throw new Unavailable(dependency, err);
    throw err;
  }
}

/** ioredis without an offline queue refuses commands while disconnected, and BullMQ reports a closed connection. */
function isRedisRefusal(err: unknown): boolean {
  return /enableOfflineQueue|Connection is closed|max retries|Command timed out/i.test((err as Error)?.message ?? '');
}

/** Who is calling: the operator (the global FEED_API_TOKEN), or an organisation through one of its feed tokens. */
type FeedCaller = { kind: 'operator' } | { kind: 'organisation'; organisationId: number };

declare module 'express-serve-static-core' {
  interface Locals {
    feedCaller?: FeedCaller;
  }
}

export interface FeedsDeps {
  config: Config;
  db: Db;
  /** The ingest queue, on a connection without an offline queue (src/redis.ts createProducerConnection). */
  ingestQueue: Queue<QueuePayloads['ingest'], unknown, string>;
  /** That connection: an upload is refused before its body is read while it is not ready. */
  redis: Redis;
  log: Logger;
  /** Postgres outages met here are logged once, with the rest of the process's. */
  postgresState?: ConnectionState | undefined;
}

function bearer(deps: FeedsDeps, unavailable: (res: Response, err: unknown) => boolean): RequestHandler {
  const { db } = deps;
  const operatorToken = deps.config.FEED_API_TOKEN;
  const expected = operatorToken ? digest(operatorToken) : undefined;
  return (req, res, next) => {
    const m = /^Bearer ([^\s]+)$/.exec(req.headers.authorization ?? '');
    const refuse = () =>
      void res
        .status(401)
        .set('www-authenticate', 'Bearer')
        .json({ error: 'A valid bearer token is required (FEED_API_TOKEN, or a feed token of your organisation).' });
    if (!m) return refuse();
    // Compare digests so the comparison takes the same time whatever the length of the guess.
    if (expected && timingSafeEqual(digest(m[1]!), expected)) {
      res.locals.feedCaller = { kind: 'operator' };
      return next();
    }
    needs('postgres', 'checking the feed token', () => authenticateFeedToken(db, m[1]!)).then(
      (found) => {
        if (!found) return refuse();
        res.locals.feedCaller = { kind: 'organisation', organisationId: found.organisationId };
        next();
      },
      (err: unknown) => {
        if (!unavailable(res, err)) next(err);
      },
    );
  };
}

/** The organisation an upload belongs to: the token's own, or for the operator ?org= (or the only/default one). */
async function uploadOrganisation(db: Db, caller: FeedCaller, rawOrg: unknown): Promise<number> {
  const named = typeof rawOrg === 'string' && rawOrg !== '' ? parseOrganisationId(rawOrg) : undefined;
  if (caller.kind === 'organisation') {
    if (named !== undefined && named !== caller.organisationId)
      throw new UserError('forbidden', 'This feed token belongs to another organisation than ?org= names.');
    return caller.organisationId;
  }
  return needs('postgres', 'finding the organisation', () => operatorOrganisation(db, named));
}

export function feedsRouter(deps: FeedsDeps): Router {
  const router = Router();
  const max = deps.config.FEED_MAX_BYTES;
  const { db, log } = deps;

  /** Answers 503 for an Unavailable (true), or leaves the error to the caller (false). */
  const unavailable = (res: Response, err: unknown): boolean => {
    if (!(err instanceof Unavailable)) return false;
    if (err.dependency === 'postgres') deps.postgresState?.failed(err.cause, 'feeds API');
    if (!res.headersSent) {
      res
        .status(503)
        .set('retry-after', '10')
        .json({
          error: `The service cannot take reports just now (${err.dependency === 'postgres' ? 'database' : 'queue'} unavailable); please try again shortly.`,
        });
    }
    return true;
  };
  const auth = bearer(deps, unavailable);
  /** An async route whose Postgres or Redis outage answers 503; other errors go to the app's error handler. */
  const route =
    (fn: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: NextFunction): void => {
      fn(req, res).catch((err: unknown) => {
        if (!unavailable(res, err)) next(err);
      });
    };

  router.post(
    '/api/feeds/:network',
    auth,
    route(async (req, res) => {
      let network: string;
      let organisationId: number;
      try {
        network = requireNetwork(String(req.params.network));
        organisationId = await uploadOrganisation(db, res.locals.feedCaller!, req.query.org);
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
        res
          .status(413)
          .set('connection', 'close')
          .json({ error: new TooLargeError(max).message });
        req.destroy();
        return;
      }
      // With Redis away the upload could never be queued: refused before its body is stored.
      if (deps.redis.status !== 'ready') {
        res.set('connection', 'close');
        throw new Unavailable('redis', new Error(`queue connection ${deps.redis.status}`));
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
      // From here on, anything that keeps the upload from being accepted removes the stored file (before answering).
      let ingestId: string;
      try {
        const fileName = typeof req.query.filename === 'string' ? req.query.filename : null;
        const file = stored;
        ingestId = await needs('postgres', 'recording the ingest', () =>
          createIngest(db, {
            organisationId,
            confirmReversals,
            network,
            source: 'api',
            filePath: file.path,
            fileName,
            sha256: file.sha256,
            byteSize: file.bytes,
            marketplace: market?.code ?? null,
          }),
        );
        try {
          // The ingest id is the job id: however often this is retried, one job per ingest.
          await needs('redis', 'queueing the ingest', () => deps.ingestQueue.add('ingest', { ingestId }, { jobId: ingestId }));
        } catch (err) {
          if (!(err instanceof Unavailable)) log.error({ err, ingestId }, 'could not queue ingest');
          // Recorded but not queued: failed, with the reason (if Postgres will not take even that, the reconciler
          // finds it queued with no job and no file, and marks it failed).
          const reason = 'Could not be queued (the queue was unavailable); please upload again.';
          const id = ingestId;
          await needs('postgres', 'marking the ingest failed', () => failIngest(db, id, reason, ['queued'])).catch((e: unknown) =>
            log.warn({ ingestId, err: (e as Error).message }, 'could not mark the unqueued ingest failed'),
          );
          throw err;
        }
      } catch (err) {
        await rm(stored.path, { force: true }).catch(() => undefined);
        throw err;
      }
      res
        .status(202)
        .location(`/api/feeds/ingests/${ingestId}`)
        .json({ ingestId, status: 'queued', bytes: stored.bytes, statusUrl: `${deps.config.PUBLIC_BASE_URL}/api/feeds/ingests/${ingestId}` });
    }),
  );

  router.get(
    '/api/feeds/ingests/:id',
    auth,
    route(async (req, res) => {
      const ingest = await needs('postgres', 'reading the ingest', () => getIngest(db, String(req.params.id)));
      const caller = res.locals.feedCaller!;
      // Another organisation's ingest is answered as if it did not exist: its id tells nothing.
      if (!ingest || (caller.kind === 'organisation' && ingest.organisationId !== caller.organisationId)) {
        res.status(404).json({ error: 'No ingest has that id.' });
        return;
      }
      res.set('cache-control', 'no-store').json(ingestStatus(ingest));
    }),
  );
  return router;
}
