// Builds the process's long-lived services from configuration, and tears them down in the right order.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { createDiscordAdapter, type DiscordAdapter } from '../bots/discord/index.ts';
import { createSlackAdapter, type SlackAdapter } from '../bots/slack/index.ts';
import { platformsEnabled, type Config } from './config.ts';
import { createDb, type Db } from './db/database.ts';
import { ensureDatabase, migrateToLatest } from './db/migrate.ts';
import { ClickBuffer } from './domain/clicks/clickBuffer.ts';
import { RepeatDetector } from './domain/clicks/repeatDetector.ts';
import { createApp, createWebServer } from './http/app.ts';
import { LinkCache } from './http/linkCache.ts';
import { Metrics } from './http/metrics.ts';
import { createLogger, type Logger } from './log.ts';
import { closeQueues, createQueues, type Queues } from './queues.ts';
import { createCacheConnection, createQueueConnection } from './redis.ts';
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
  server?: Server;
  url?: string;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  migrate?: boolean;
  web?: boolean;
  workers?: boolean;
  log?: Logger;
  defaultMetrics?: boolean;
}

export async function startRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  const log = opts.log ?? createLogger(config.LOG_LEVEL);
  if (opts.migrate) {
    if (await ensureDatabase(config.DATABASE_URL)) log.info('created database');
  }
  const db = createDb(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  if (opts.migrate) {
    const { results } = await migrateToLatest(db);
    for (const r of results ?? []) log.info({ migration: r.migrationName, status: r.status }, 'migration');
  }
  const redis = createQueueConnection(config.REDIS_URL);
  const cacheRedis = createCacheConnection(config.REDIS_URL);
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  cacheRedis.on('error', () => undefined); // the cache degrades silently to memory and Postgres
  const queues = createQueues(redis, config.QUEUE_PREFIX, (err, queue) => log.warn({ queue, err: err.message }, 'queue connection error'));
  const cache = new LinkCache(db, cacheRedis, config.QUEUE_PREFIX);
  // The gauge reads the buffer lazily at scrape time, after both exist.
  const metrics: Metrics = new Metrics({ bufferDepth: () => clicks.depth, queues, defaultMetrics: opts.defaultMetrics ?? false });
  const clicks = new ClickBuffer({
    db,
    repeats: new RepeatDetector(cacheRedis, config.QUEUE_PREFIX),
    secret: config.CLICK_HASH_SECRET,
    flushMs: config.CLICK_FLUSH_MS,
    batchSize: config.CLICK_BATCH_SIZE,
    onWritten: (kind, n) => metrics.clicks.inc({ kind }, n),
    onDropped: (n) => {
      metrics.clicksDropped.inc(n);
      log.error({ dropped: n }, 'click buffer overflowed; oldest clicks dropped');
    },
    onError: (err) => log.warn({ err }, 'click batch write failed; will retry'),
  });
  clicks.start();

  let slack: SlackAdapter | undefined;
  let discord: DiscordAdapter | undefined;
  let workers: Workers | undefined;
  const rt: Runtime = {
    config, log, db, redis, cacheRedis, queues, metrics, cache, clicks,
    async close() {
      // Stop taking requests, then drain clicks, then close queues and connections.
      if (rt.server) await closeServer(rt.server);
      await slack?.stop().catch((err: unknown) => log.warn({ err }, 'stopping Slack failed'));
      await discord?.stop().catch((err: unknown) => log.warn({ err }, 'stopping Discord failed'));
      // Workers finish their active jobs before closing (an interrupted ingest rolls back and is retried).
      await workers?.close().catch((err: unknown) => log.warn({ err }, 'closing workers failed'));
      const left = await clicks.stop();
      if (left > 0) log.error({ left }, 'clicks could not be written before shutdown');
      // With Redis away, close/quit would wait for a reconnect that never comes: bound them, then cut.
      await withTimeout(closeQueues(queues), 5000, 'closing queues').catch((err: unknown) => log.warn({ err }, 'closing queues failed'));
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
    const deps = { config, db, redis, cacheRedis, cache, clicks, metrics, log, mount: mounts };
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
  if (opts.workers) workers = await startWorkers({ config, db, connection: redis, queues, log });
  return rt;
}

export { createApp };

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Requests still in flight get a few seconds, then their sockets are cut.
    setTimeout(() => server.closeAllConnections(), 5000).unref();
  });
}
