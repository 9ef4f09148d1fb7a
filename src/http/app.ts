// The express application and the node:http server around it. /l/ is answered before express sees it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler, type Request } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { ConnectionState } from '../connectionState.ts';
import type { ClickBuffer } from '../domain/clicks/clickBuffer.ts';
import type { Logger } from '../log.ts';
import { healthRouter } from './healthRouter.ts';
import { MESSAGE_PAGE_HEADERS, messagePage } from './html.ts';
import type { LinkCache } from './linkCache.ts';
import { UNMATCHED_ROUTE, type Metrics } from './metrics.ts';
import { createRedirectHandler } from './redirect.ts';
import { storefrontRouter } from './storefrontRouter.ts';

export interface WebDeps {
  config: Config;
  db: Db;
  /** Storefront pages and share cards are read here (DATABASE_READ_URL); defaults to `db`. */
  readDb?: Db;
  redis: Redis;
  /** Fail-fast Redis connection for health checks and the link cache. */
  cacheRedis: Redis;
  cache: LinkCache;
  clicks: ClickBuffer;
  metrics: Metrics;
  log: Logger;
  /** Routers added by later features (feeds API, Slack, Discord); each parses its own body. */
  mount?: Array<(app: express.Express) => void>;
  /** Postgres reachability as the health check sees it (outages are logged once per change). */
  postgresState?: ConnectionState;
  /** In a process that runs the workers: their job schedulers missing from Redis (/readyz reports them). */
  schedulers?: (() => Promise<string[]>) | undefined;
}

const STARTED = Symbol('requestStartedAt');
type TimedRequest = IncomingMessage & { [STARTED]?: number };

/** The route template that answered (`/s/:handle`), or `unmatched` when none did. */
export function routeLabel(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return path === undefined ? UNMATCHED_ROUTE : `${req.baseUrl}${String(path)}`;
}

export function createApp(deps: WebDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.TRUST_PROXY);
  // Every request is counted by route template and status when its response is finished (one shared listener,
  // no closure per request); the /l/ fast path counts its own before express.
  const http = deps.metrics.http;
  function onFinish(this: ServerResponse) {
    const req = this.req as TimedRequest & Request;
    const started = req[STARTED];
    if (started !== undefined) http.observe(routeLabel(req), req.method, this.statusCode, (performance.now() - started) / 1000);
  }
  app.use((req, res, next) => {
    (req as TimedRequest)[STARTED] = performance.now();
    res.once('finish', onFinish);
    next();
  });
  // Every response starts with the strict headers of a message page (no script, no framing, nosniff); the storefront
  // page sets its own CSP.
  app.use((_req, res, next) => {
    res.set(MESSAGE_PAGE_HEADERS);
    next();
  });
  app.use(
    healthRouter({
      db: deps.db,
      readDb: deps.readDb,
      redis: deps.cacheRedis,
      metrics: deps.metrics,
      postgresState: deps.postgresState,
      // With METRICS_PORT set, /metrics lives on that port only (src/runtime.ts).
      serveMetrics: deps.config.METRICS_PORT === undefined,
      metricsToken: deps.config.METRICS_TOKEN,
      schedulers: deps.schedulers,
    }),
  );
  app.use(storefrontRouter(deps.readDb ?? deps.db, deps.config.PUBLIC_BASE_URL, { cacheMs: deps.config.STOREFRONT_CACHE_SECONDS * 1000 }));
  for (const mount of deps.mount ?? []) mount(app);
  app.get('/', (_req, res) => {
    res.type('html').send(messagePage('Affiliate storefronts', 'Open a storefront at /s/<handle>.'));
  });
  app.use((_req, res) => {
    res.status(404).type('html').send(messagePage('Not found', 'There is nothing at this address.'));
  });
  const onError: ErrorRequestHandler = (err: { status?: number; statusCode?: number; type?: string; expose?: boolean; message?: string }, req, res, _next) => {
    const status = err.status ?? err.statusCode ?? 500;
    if (status >= 500) deps.log.error({ err, path: req.path }, 'request failed');
    if (res.headersSent) return;
    res.status(status).json({ error: status >= 500 ? 'Internal error' : (err.expose && err.message) || 'Bad request' });
  };
  app.use(onError);
  return app;
}

export function createWebServer(deps: WebDeps): Server {
  const app = createApp(deps);
  const handleRedirect = createRedirectHandler({ ...deps, storefrontOfCode: (code) => deps.cache.ownerHandle(code) });
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000, maxHeaderSize: 16 * 1024 }, (req, res) => {
    if (!handleRedirect(req, res)) app(req, res);
  });
  server.keepAliveTimeout = 5000;
  return server;
}
