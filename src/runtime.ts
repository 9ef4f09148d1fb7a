// Builds the process's long-lived services from configuration, and tears them down in the right order.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { createDiscordAdapter, type DiscordAdapter } from '../bots/discord/index.ts';
import { createSlackAdapter, type SlackAdapter } from '../bots/slack/index.ts';
import { platformsEnabled, type Config } from './config.ts';
import { ConnectionState, isConnectionError, RedisState } from './connectionState.ts';
import { createDb, type Db } from './db/database.ts';
import { ensureDatabase, migrateToLatest } from './db/migrate.ts';
import { pingDatabase } from './db/ping.ts';
import { ClickBuffer } from './domain/clicks/clickBuffer.ts';
import { RepeatDetector } from './domain/clicks/repeatDetector.ts';
import { createApp, createWebServer } from './http/app.ts';
import { metricsAnswer } from './http/healthRouter.ts';
import { LinkCache } from './http/linkCache.ts';
import { Metrics } from './http/metrics.ts';
import { createLogger, type Logger } from './log.ts';
import { closeQueues, createProducerQueue, createQueues, type Queues } from './queues.ts';
import { createCacheConnection, createProducerConnection, createQueueConnection } from './redis.ts';
import { secretBoxFor } from './secrets/secretBox.ts';
import { sealPlaintextSecrets } from './secrets/storedSecrets.ts';
import { withTimeout } from './timeout.ts';
import { feedsRouter } from './http/feedsRouter.ts';
import { signedFilesFor, signedFilesRouter } from './http/signedFiles.ts';
import { startWorkers, type Workers } from './workers.ts';
import { onProductAdded } from './domain/catalogue/productAdded.ts';
import { catalogueFillJobId } from '../jobs/catalogue/processor.ts';
import type { Express } from 'express';

export interface Runtime {
  config: Config;
  log: Logger;
  db: Db;
  redis: Redis;
  cacheRedis: Redis;
  queues: Queues;
  metrics: Metrics;
  cache: LinkCache;
  clicks: ClickBuffer;
  /** Redis and Postgres reachability (each outage is logged once when it starts and once when it ends). */
  connections: { redis: RedisState; postgres: ConnectionState };
  server?: Server;
  url?: string;
  /** With METRICS_PORT set, /metrics is served here (in every role) and not on the web server. */
  metricsServer?: Server;
  metricsUrl?: string;
  /** Resolves once the chat requests taken so far have been handled (their work after the ack included). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Create and migrate the database, then seal plaintext secrets left from before sealing existed. */
  migrate?: boolean;
  web?: boolean;
  workers?: boolean;
  log?: Logger;
  defaultMetrics?: boolean;
  /** Schedule the ingest reconciler in the workers (src/main.ts turns it on; see WorkerDeps.reconcile). */
  reconcile?: boolean;
  /** Schedule the catalogue refresh in the workers (src/main.ts turns it on; see WorkerDeps.catalogueRefresh). */
  catalogueRefresh?: boolean;
}

export async function startRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  const log = opts.log ?? createLogger(config.LOG_LEVEL, {}, { format: config.LOG_FORMAT });
  if (opts.migrate) {
    if (await ensureDatabase(config.DATABASE_URL)) log.info('created database');
  }
  // A connection that drops while checked out (a query or an ingest's COPY in flight when Postgres restarts or its
  // backend is terminated) emits 'error' on its client: createDb gives every client a listener, which tells the
  // tracker (the outage is logged once); the query itself fails with the error, and so does its job (retried).
  const onClientError = (err: Error) => postgresState.failed(err, 'connection');
  // Every statement of the pool is bounded (jobs, pages, the feeds API): a generous DATABASE_STATEMENT_TIMEOUT_MS.
  const db = createDb(config.DATABASE_URL, { max: config.DATABASE_POOL_SIZE, statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS, onClientError });
  const postgresState: ConnectionState = new ConnectionState('postgres', log, { probe: () => withTimeout(pingDatabase(db), 2000, 'postgres probe') });
  // Figures (/earnings, App Home, digests, storefront pages) may be read from a replica: a pool of its own, the same
  // size and statement bound. Without DATABASE_READ_URL it is the primary pool itself.
  const readDb = config.DATABASE_READ_URL
    ? createDb(config.DATABASE_READ_URL, { max: config.DATABASE_POOL_SIZE, statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS, onClientError })
    : db;
  if (opts.migrate) {
    // Migrations may build indexes on big tables: on a connection of their own, without the statement timeout.
    const migrationDb = createDb(config.DATABASE_URL, { max: 1, onClientError });
    try {
      const { results } = await migrateToLatest(migrationDb);
      for (const r of results ?? []) log.info({ migration: r.migrationName, status: r.status }, 'migration');
    } finally {
      await migrationDb.destroy();
    }
  }
  // A process that prepares the database at start (every role of main.ts) also seals secrets written before sealing
  // existed (plaintext Slack tokens, feed headers); a no-op when there are none.
  if (opts.migrate) await sealAtStart(db, config, log, postgresState);
  const redisState = new RedisState(log);
  const redis = createQueueConnection(config.REDIS_URL);
  const cacheRedis = createCacheConnection(config.REDIS_URL);
  // The feeds API queues uploads on a connection that fails at once while Redis is away (no offline queue), so the
  // uploader hears 503 in time and no job appears later for an upload it was told failed.
  const producerRedis = opts.web ? createProducerConnection(config.REDIS_URL) : undefined;
  // Every connection, queue and worker reports to one tracker: an outage is one line, its end another (the cache
  // meanwhile degrades to memory and Postgres).
  redisState.track(redis, 'queue connection');
  redisState.track(cacheRedis, 'cache connection');
  if (producerRedis) redisState.track(producerRedis, 'producer connection');
  const queues = createQueues(redis, config.QUEUE_PREFIX, (err, queue) => {
    if (!redisState.reported(err, `queue ${queue}`)) log.warn({ queue, err: err.message }, 'queue error');
  });
  // Redis entries of the link cache are MACed with a key derived from ENCRYPTION_KEY (its own HKDF label).
  const secrets = secretBoxFor(config);
  // Redirects of links in no cache ask Postgres on a few connections of their own, each statement and wait bounded
  // by REDIRECT_LOOKUP_TIMEOUT_MS: busy workers cannot starve them of connections, and a stalled Postgres answers
  // "Try again shortly" within the bound instead of holding the follower.
  const lookupDb = opts.web
    ? createDb(config.DATABASE_URL, {
        max: 4,
        statementTimeoutMs: config.REDIRECT_LOOKUP_TIMEOUT_MS,
        connectionTimeoutMs: config.REDIRECT_LOOKUP_TIMEOUT_MS,
        onClientError,
      })
    : undefined;
  const cache = new LinkCache(
    lookupDb ?? db,
    cacheRedis,
    config.QUEUE_PREFIX,
    { key: secrets.deriveKey('link-cache-mac/v1'), keyId: secrets.keyId },
    log.child({ component: 'link-cache' }),
    {
      lookupTimeoutMs: config.REDIRECT_LOOKUP_TIMEOUT_MS,
    },
  );
  // The gauges read the buffer lazily at scrape time, after both exist.
  const metrics: Metrics = new Metrics({
    bufferDepth: () => clicks.depth,
    bufferLagSeconds: () => clicks.lagMs() / 1000,
    queues,
    defaultMetrics: opts.defaultMetrics ?? false,
  });
  // A write failing for another reason than reachability is logged when its message changes, not on every retry.
  let lastClickError: string | undefined;
  const clicks = new ClickBuffer({
    db,
    repeats: new RepeatDetector(cacheRedis, config.QUEUE_PREFIX),
    secret: config.CLICK_HASH_SECRET,
    flushMs: config.CLICK_FLUSH_MS,
    batchSize: config.CLICK_BATCH_SIZE,
    onWritten: (kind, n) => {
      metrics.clicks.inc({ kind }, n);
      lastClickError = undefined;
      postgresState.ok('click flush');
    },
    onDropped: (n) => {
      metrics.clicksDropped.inc(n);
      log.error({ dropped: n }, 'click buffer overflowed; oldest clicks dropped');
    },
    onError: (err) => {
      if (isConnectionError(err)) return postgresState.failed(err, 'click flush');
      const message = (err as Error).message;
      if (message === lastClickError) return;
      lastClickError = message;
      log.warn({ err, depth: clicks.depth }, 'click batch write failed; will retry');
    },
  });
  clicks.start();

  let slack: SlackAdapter | undefined;
  let discord: DiscordAdapter | undefined;
  let workers: Workers | undefined;
  const feedQueue = producerRedis
    ? createProducerQueue(producerRedis, config.QUEUE_PREFIX, (err) => {
        if (!redisState.reported(err, 'feeds queue')) log.warn({ err: err.message }, 'queue error');
      })
    : undefined;
  // A product added to a storefront here is fetched for the catalogue within seconds (one job per product).
  const stopCatalogueFills = onProductAdded((p) => {
    queues['catalogue-fill'].add('catalogue-fill', { productId: p.productId }, { jobId: catalogueFillJobId(p.productId) }).catch((err: unknown) => {
      if (!redisState.reported(err as Error, 'queue catalogue-fill'))
        log.warn({ err: (err as Error).message, productId: p.productId }, 'could not queue a catalogue fill; the refresh will catch up');
    });
  });
  const rt: Runtime = {
    config,
    log,
    db,
    redis,
    cacheRedis,
    queues,
    metrics,
    cache,
    clicks,
    connections: { redis: redisState, postgres: postgresState },
    async idle() {
      await Promise.all([slack?.idle(), discord?.idle()]);
    },
    async close() {
      // Stop taking requests, then drain clicks, then close queues and connections.
      stopCatalogueFills();
      if (rt.server) await closeServer(rt.server);
      if (rt.metricsServer) await closeServer(rt.metricsServer);
      await slack?.stop().catch((err: unknown) => log.warn({ err }, 'stopping Slack failed'));
      await discord?.stop().catch((err: unknown) => log.warn({ err }, 'stopping Discord failed'));
      // Clicks first: they need only Postgres, so an outage of Redis cannot hold them past the shutdown's deadline.
      const left = await clicks.stop();
      if (left > 0) log.error({ left }, 'clicks could not be written before shutdown');
      // Workers finish their active jobs before closing (an interrupted ingest rolls back and is retried).
      await workers?.close().catch((err: unknown) => log.warn({ err }, 'closing workers failed'));
      // With Redis away, close/quit would wait for a reconnect that never comes: bound them, then cut.
      await withTimeout(closeQueues(queues), 5000, 'closing queues').catch((err: unknown) => log.warn({ err }, 'closing queues failed'));
      if (feedQueue) await withTimeout(feedQueue.close(), 2000, 'closing the feeds queue').catch(() => undefined);
      postgresState.stop();
      redisState.stop();
      for (const conn of [redis, cacheRedis, ...(producerRedis ? [producerRedis] : [])]) {
        await withTimeout(conn.quit(), 1000, 'redis quit').catch(() => conn.disconnect());
      }
      await lookupDb?.destroy();
      if (readDb !== db) await readDb.destroy();
      await db.destroy();
    },
  };

  if (opts.web) {
    // Slack mounts only when its variables are set (main.ts logs when it is off).
    slack = platformsEnabled(config).slack ? createSlackAdapter({ config, db, readDb, cacheRedis, log }) : undefined;
    discord = platformsEnabled(config).discord ? createDiscordAdapter({ config, db, readDb, cacheRedis, log }) : undefined;
    const mounts = [
      (app: Express) => app.use(feedsRouter({ config, db, ingestQueue: feedQueue!, redis: producerRedis!, log, postgresState })),
      // Digest charts and CSVs behind short-lived signed URLs (Slack image blocks, ephemeral answers).
      (app: Express) => app.use(signedFilesRouter(signedFilesFor(config, cacheRedis))),
      ...(slack?.mount ? [slack.mount] : []),
      ...(discord ? [discord.mount] : []),
    ];
    // In a process that runs the workers, readiness includes their job schedulers (Redis may have come back empty).
    const schedulers = opts.workers ? () => (workers ? workers.missingSchedulers() : Promise.reject(new Error('workers starting'))) : undefined;
    const deps = { config, db, readDb, redis, cacheRedis, cache, clicks, metrics, log, mount: mounts, postgresState, schedulers };
    rt.server = createWebServer(deps);
    await listen(rt.server, config.PORT, config.HOST, log);
    const addr = rt.server.address() as AddressInfo;
    rt.url = `http://127.0.0.1:${addr.port}`;
    await slack?.start();
    await discord?.start();
  }
  if (opts.workers)
    workers = await startWorkers({
      config,
      db,
      readDb,
      connection: redis,
      queues,
      log,
      metrics,
      redisState,
      postgresState,
      reconcile: opts.reconcile ?? false,
      catalogueRefresh: opts.catalogueRefresh ?? false,
    });
  if (config.METRICS_PORT !== undefined) {
    // Its own port in every role (the web server then has no /metrics): a worker's job counters need one anyway.
    rt.metricsServer = createMetricsServer(metrics, config.METRICS_TOKEN);
    await listen(rt.metricsServer, config.METRICS_PORT, config.HOST, log);
    rt.metricsUrl = `http://127.0.0.1:${(rt.metricsServer.address() as AddressInfo).port}`;
  }
  return rt;
}

export { createApp };

/** GET /metrics and nothing else (behind METRICS_TOKEN when set). */
function createMetricsServer(metrics: Metrics, token: string | undefined): Server {
  return createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }).end('Not found\n');
      return;
    }
    metricsAnswer(metrics, token, req.headers.authorization).then(
      (answer) => res.writeHead(answer.status, { ...answer.headers, 'x-content-type-options': 'nosniff' }).end(answer.body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${(err as Error).message}\n`),
    );
  });
}

/** Seals plaintext secrets left from before sealing existed; never stops the start (readers accept plaintext). */
async function sealAtStart(db: Db, config: Config, log: Logger, postgres: ConnectionState): Promise<void> {
  try {
    const report = await withTimeout(sealPlaintextSecrets(db, secretBoxFor(config)), 10_000, 'sealing secrets');
    const sealed = Object.fromEntries(
      Object.entries(report.tables)
        .filter(([, t]) => t.resealed > 0)
        .map(([table, t]) => [table, t.resealed]),
    );
    if (Object.keys(sealed).length > 0) log.info({ keyId: report.keyId, sealed }, 'sealed plaintext secrets');
  } catch (err) {
    if (isConnectionError(err)) postgres.failed(err, 'sealing secrets');
    else log.warn({ err }, 'could not seal plaintext secrets at start; they stay readable and are sealed at the next start');
  }
}

/** Listens, then keeps an 'error' listener: a server error after start (EMFILE on accept, say) is logged, not fatal. */
async function listen(server: Server, port: number, host: string, log: Logger): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err }, 'http server error'));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Requests still in flight get a few seconds, then their sockets are cut.
    setTimeout(() => server.closeAllConnections(), 5000).unref();
  });
}
