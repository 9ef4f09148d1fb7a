// Builds the process's long-lived services from configuration, and tears them down in the right order.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import { createDiscordAdapter, type DiscordAdapter } from '../bots/discord/index.ts';
import { createSlackAdapter, type SlackAdapter } from '../bots/slack/index.ts';
import { platformsEnabled, type Config } from './config.ts';
import { ConnectionState, isConnectionError, RedisState } from './connectionState.ts';
import { createDb, poolOf, type Db } from './db/database.ts';
import { ensureDatabase, migrateToLatest } from './db/migrate.ts';
import { ClickBuffer } from './domain/clicks/clickBuffer.ts';
import { RepeatDetector } from './domain/clicks/repeatDetector.ts';
import { createApp, createWebServer } from './http/app.ts';
import { metricsAnswer } from './http/healthRouter.ts';
import { LinkCache } from './http/linkCache.ts';
import { Metrics } from './http/metrics.ts';
import { createLogger, type Logger } from './log.ts';
import { closeQueues, createQueues, type Queues } from './queues.ts';
import { createCacheConnection, createQueueConnection } from './redis.ts';
import { secretBoxFor } from './secrets/secretBox.ts';
import { sealPlaintextSecrets } from './secrets/storedSecrets.ts';
import { withTimeout } from './timeout.ts';
import { feedsRouter } from './http/feedsRouter.ts';
import { startWorkers, type Workers } from './workers.ts';
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
}

export async function startRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  const log = opts.log ?? createLogger(config.LOG_LEVEL, {}, { format: config.LOG_FORMAT });
  if (opts.migrate) {
    if (await ensureDatabase(config.DATABASE_URL)) log.info('created database');
  }
  const db = createDb(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  const postgresState = new ConnectionState('postgres', log, { probe: () => withTimeout(sql`select 1`.execute(db), 2000, 'postgres probe') });
  // A connection that drops while checked out (a query in flight when Postgres restarts) emits 'error' on its client,
  // where the pool no longer listens: unheard, that is an uncaught exception that ends the process. The query
  // itself still fails with the error; the tracker logs the outage once.
  poolOf(db).on('connect', (client) => client.on('error', (err) => postgresState.failed(err, 'connection')));
  if (opts.migrate) {
    const { results } = await migrateToLatest(db);
    for (const r of results ?? []) log.info({ migration: r.migrationName, status: r.status }, 'migration');
  }
  // A process that prepares the database at start (every role of main.ts) also seals secrets written before sealing
  // existed (plaintext Slack tokens, feed headers); a no-op when there are none.
  if (opts.migrate) await sealAtStart(db, config, log, postgresState);
  const redisState = new RedisState(log);
  const redis = createQueueConnection(config.REDIS_URL);
  const cacheRedis = createCacheConnection(config.REDIS_URL);
  // Every connection, queue and worker reports to one tracker: an outage is one line, its end another (the cache
  // meanwhile degrades to memory and Postgres).
  redisState.track(redis, 'queue connection');
  redisState.track(cacheRedis, 'cache connection');
  const queues = createQueues(redis, config.QUEUE_PREFIX, (err, queue) => {
    if (!redisState.reported(err, `queue ${queue}`)) log.warn({ queue, err: err.message }, 'queue error');
  });
  // Redis entries of the link cache are MACed with a key derived from ENCRYPTION_KEY (its own HKDF label).
  const secrets = secretBoxFor(config);
  const cache = new LinkCache(db, cacheRedis, config.QUEUE_PREFIX, { key: secrets.deriveKey('link-cache-mac/v1'), keyId: secrets.keyId }, log.child({ component: 'link-cache' }));
  // The gauges read the buffer lazily at scrape time, after both exist.
  const metrics: Metrics = new Metrics({ bufferDepth: () => clicks.depth, bufferLagSeconds: () => clicks.lagMs() / 1000, queues, defaultMetrics: opts.defaultMetrics ?? false });
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
  const rt: Runtime = {
    config, log, db, redis, cacheRedis, queues, metrics, cache, clicks,
    connections: { redis: redisState, postgres: postgresState },
    async idle() {
      await Promise.all([slack?.idle(), discord?.idle()]);
    },
    async close() {
      // Stop taking requests, then drain clicks, then close queues and connections.
      if (rt.server) await closeServer(rt.server);
      if (rt.metricsServer) await closeServer(rt.metricsServer);
      await slack?.stop().catch((err: unknown) => log.warn({ err }, 'stopping Slack failed'));
      await discord?.stop().catch((err: unknown) => log.warn({ err }, 'stopping Discord failed'));
      // Workers finish their active jobs before closing (an interrupted ingest rolls back and is retried).
      await workers?.close().catch((err: unknown) => log.warn({ err }, 'closing workers failed'));
      const left = await clicks.stop();
      if (left > 0) log.error({ left }, 'clicks could not be written before shutdown');
      // With Redis away, close/quit would wait for a reconnect that never comes: bound them, then cut.
      await withTimeout(closeQueues(queues), 5000, 'closing queues').catch((err: unknown) => log.warn({ err }, 'closing queues failed'));
      postgresState.stop();
      redisState.stop();
      for (const conn of [redis, cacheRedis]) {
        await withTimeout(conn.quit(), 1000, 'redis quit').catch(() => conn.disconnect());
      }
      await db.destroy();
    },
  };

  if (opts.web) {
    // Slack mounts only when its variables are set (main.ts logs when it is off).
    slack = platformsEnabled(config).slack ? createSlackAdapter({ config, db, cacheRedis, log }) : undefined;
    discord = platformsEnabled(config).discord ? createDiscordAdapter({ config, db, cacheRedis, log }) : undefined;
    const mounts = [(app: Express) => app.use(feedsRouter({ config, db, queues, log })), ...(slack?.mount ? [slack.mount] : []), ...(discord ? [discord.mount] : [])];
    const deps = { config, db, redis, cacheRedis, cache, clicks, metrics, log, mount: mounts, postgresState };
    rt.server = createWebServer(deps);
    await new Promise<void>((resolve, reject) => {
      rt.server!.once('error', reject);
      rt.server!.listen(config.PORT, config.HOST, () => resolve());
    });
    const addr = rt.server.address() as AddressInfo;
    rt.url = `http://127.0.0.1:${addr.port}`;
    await slack?.start();
    await discord?.start();
  }
  if (opts.workers) workers = await startWorkers({ config, db, connection: redis, queues, log, metrics, redisState, postgresState });
  if (config.METRICS_PORT !== undefined) {
    // Its own port in every role (the web server then has no /metrics): a worker's job counters need one anyway.
    rt.metricsServer = createMetricsServer(metrics, config.METRICS_TOKEN);
    await new Promise<void>((resolve, reject) => {
      rt.metricsServer!.once('error', reject);
      rt.metricsServer!.listen(config.METRICS_PORT, config.HOST, () => resolve());
    });
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
    const sealed = Object.fromEntries(Object.entries(report.tables).filter(([, t]) => t.resealed > 0).map(([table, t]) => [table, t.resealed]));
    if (Object.keys(sealed).length > 0) log.info({ keyId: report.keyId, sealed }, 'sealed plaintext secrets');
  } catch (err) {
    if (isConnectionError(err)) postgres.failed(err, 'sealing secrets');
    else log.warn({ err }, 'could not seal plaintext secrets at start; they stay readable and are sealed at the next start');
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Requests still in flight get a few seconds, then their sockets are cut.
    setTimeout(() => server.closeAllConnections(), 5000).unref();
  });
}
