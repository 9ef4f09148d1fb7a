import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Db } from '../db/database.ts';
import { pingDatabase } from '../db/ping.ts';
import type { Metrics } from './metrics.ts';
import type { ConnectionState } from '../connectionState.ts';
import { withTimeout } from '../timeout.ts';

/** Whether an Authorization header is `Bearer <token>`: compared in constant time (over SHA-256 digests, so lengths do not leak). */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const given = /^Bearer +(.*\S) *$/i.exec(authorization ?? '')?.[1] ?? '';
  const same = timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(token).digest());
  return same && given !== '';
}

/** GET /metrics, wherever it is served (PORT or METRICS_PORT): 401 without the bearer token when METRICS_TOKEN is set. */
export async function metricsAnswer(
  metrics: Metrics,
  token: string | undefined,
  authorization: string | undefined,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  if (token !== undefined && !bearerMatches(authorization, token)) {
    return {
      status: 401,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="metrics"', 'cache-control': 'no-store' },
      body: 'Unauthorized\n',
    };
  }
  return { status: 200, headers: { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' }, body: await metrics.registry.metrics() };
}

export interface HealthDeps {
  db: Db;
  /**
   * The read replica when DATABASE_READ_URL is set: reported as `"postgresRead"`, without making the process
   * unready (redirects and writes do not need it; /earnings, digests and pages do, and fail while it is away).
   */
  readDb?: Db | undefined;
  redis: Redis;
  metrics: Metrics;
  postgresState?: ConnectionState | undefined;
  /** false when METRICS_PORT is set: /metrics is then served on that port only. Default true. */
  serveMetrics?: boolean;
  /** METRICS_TOKEN: /metrics needs `Authorization: Bearer <token>`. */
  metricsToken?: string | undefined;
  /**
   * In a process that runs the workers: the job schedulers they set up that Redis no longer holds. Reported as
   * `"schedulers": "ok"` or `"missing: digest-tick, …"`, and missing ones make the process not ready.
   */
  schedulers?: (() => Promise<string[]>) | undefined;
}

// `redis` should be a fail-fast connection (no offline queue), so an outage answers at once.
// Redis outages are logged from its connection events; Postgres ones from here (and the click writer).
export function healthRouter(deps: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const check = async (fn: () => Promise<unknown>, state?: ConnectionState) => {
      try {
        await withTimeout(fn(), 2000);
        state?.ok('readyz');
        return 'ok';
      } catch (err) {
        state?.failed(err, 'readyz');
        return `error: ${(err as Error).message}`;
      }
    };
    const replica = deps.readDb !== undefined && deps.readDb !== deps.db ? deps.readDb : undefined;
    const [postgres, redis, postgresRead] = await Promise.all([
      check(() => pingDatabase(deps.db), deps.postgresState),
      check(() => deps.redis.ping()),
      replica ? check(() => pingDatabase(replica)) : undefined,
    ]);
    let schedulers: string | undefined;
    if (deps.schedulers) {
      // Asked only of a Redis that answers (else it is the Redis outage that is reported).
      if (redis !== 'ok') schedulers = 'unknown';
      else {
        try {
          const missing = await withTimeout(deps.schedulers(), 2000, 'reading the job schedulers');
          schedulers = missing.length === 0 ? 'ok' : `missing: ${missing.join(', ')}`;
        } catch (err) {
          schedulers = `error: ${(err as Error).message}`;
        }
      }
    }
    const ok = postgres === 'ok' && redis === 'ok' && (schedulers === undefined || schedulers === 'ok');
    res
      .status(ok ? 200 : 503)
      .set('cache-control', 'no-store')
      .json({
        status: ok ? 'ok' : 'unavailable',
        postgres,
        redis,
        ...(postgresRead === undefined ? {} : { postgresRead }),
        ...(schedulers === undefined ? {} : { schedulers }),
      });
  });
  if (deps.serveMetrics !== false) {
    router.get('/metrics', async (req, res) => {
      const answer = await metricsAnswer(deps.metrics, deps.metricsToken, req.headers.authorization);
      res.status(answer.status).set(answer.headers).send(answer.body);
    });
  }
  return router;
}
