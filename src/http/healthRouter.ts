import { Router } from 'express';
import { sql } from 'kysely';
import type { Redis } from 'ioredis';
import type { Db } from '../db/database.ts';
import type { Metrics } from './metrics.ts';
import type { ConnectionState } from '../connectionState.ts';
import { withTimeout } from '../timeout.ts';

// `redis` should be a fail-fast connection (no offline queue), so an outage answers at once.
// Redis outages are logged from its connection events; Postgres ones from here (and the click writer).
export function healthRouter(deps: { db: Db; redis: Redis; metrics: Metrics; postgresState?: ConnectionState | undefined }): Router {
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
    const [postgres, redis] = await Promise.all([check(() => sql`select 1`.execute(deps.db), deps.postgresState), check(() => deps.redis.ping())]);
    const ok = postgres === 'ok' && redis === 'ok';
    res.status(ok ? 200 : 503).set('cache-control', 'no-store').json({ status: ok ? 'ok' : 'unavailable', postgres, redis });
  });
  router.get('/metrics', async (_req, res) => {
    res.set('content-type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
