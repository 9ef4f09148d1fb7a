import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { testConfig, testDb } from '../support/env.ts';
import { waitFor } from '../support/wait.ts';
import { RedisServer } from '../faults/support/redisServer.ts';
import { LogCapture } from '../observability/support/logCapture.ts';
import { failOnUnheardErrors } from './support/unheard.ts';

failOnUnheardErrors();
const db = testDb();
afterAll(() => db.destroy());

const FIXED = ['digest-tick', 'earnings-rollup-tick', 'click-rollup-tick', 'click-partitions-tick', 'reconcile-tick'];
// The reconciler of a test runtime must never take up other test files' ingests (one database, many queue
// prefixes): with an hour's interval it only looks at ingests older than an hour, and there are none.
const QUIET_RECONCILER = { RECONCILE_EVERY_MS: '3600000' };

const readyz = async (url: string) => {
  const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
};
const held = async (app: Runtime) => {
  const found = await Promise.all([
    app.queues['digest-tick'].getJobScheduler('digest-tick'),
    app.queues['earnings-rollup'].getJobScheduler('earnings-rollup-tick'),
    app.queues['click-rollup'].getJobScheduler('click-rollup-tick'),
    app.queues['click-partitions'].getJobScheduler('click-partitions-tick'),
    app.queues.reconcile.getJobScheduler('reconcile-tick'),
  ]);
  return FIXED.filter((_, i) => found[i]);
};

describe('when a process runs the workers', () => {
  it('then /readyz reports their job schedulers, and a missing one makes it 503 naming it', async () => {
    const app = (await startRuntime(testConfig(QUIET_RECONCILER), { web: true, workers: true, reconcile: true, log: createLogger('silent') })) as Runtime & {
      url: string;
    };
    try {
      // Its cache connection may still be connecting when it starts listening.
      expect(
        await waitFor(
          () => readyz(app.url),
          (r) => r.status === 200,
        ),
      ).toEqual({ status: 200, body: { status: 'ok', postgres: 'ok', redis: 'ok', schedulers: 'ok' } });
      expect(await held(app)).toEqual(FIXED);
      await app.queues['earnings-rollup'].removeJobScheduler('earnings-rollup-tick');
      expect(await readyz(app.url)).toEqual({
        status: 503,
        body: { status: 'unavailable', postgres: 'ok', redis: 'ok', schedulers: 'missing: earnings-rollup-tick' },
      });
    } finally {
      await app.close();
    }
  });

  it('then a web-only process does not report schedulers it does not run', async () => {
    const app = (await startRuntime(testConfig(), { web: true, log: createLogger('silent') })) as Runtime & { url: string };
    try {
      // Its connections are still being made when it starts listening.
      expect(
        await waitFor(
          () => readyz(app.url),
          (r) => r.status === 200,
        ),
      ).toEqual({ status: 200, body: { status: 'ok', postgres: 'ok', redis: 'ok' } });
    } finally {
      await app.close();
    }
  });
});

describe('when Redis comes back empty after an outage', () => {
  it('then the workers set their job schedulers up again, without a restart, and /readyz is ready again', async () => {
    const redis = await RedisServer.start({ persist: false });
    const capture = new LogCapture();
    const app = (await startRuntime(testConfig({ ...QUIET_RECONCILER, REDIS_URL: redis.url }), {
      web: true,
      workers: true,
      reconcile: true,
      log: capture.logger(),
    })) as Runtime & { url: string };
    try {
      expect(
        (
          await waitFor(
            () => readyz(app.url),
            (r) => r.status === 200,
          )
        ).body.schedulers,
      ).toBe('ok');
      await redis.stop();
      expect(await readyz(app.url)).toMatchObject({ status: 503, body: { redis: expect.stringMatching(/^error/), schedulers: 'unknown' } });
      await redis.start();
      const line = await capture.waitFor('job schedulers re-created', {}, 15_000);
      // Besides the fixed ones, one per enabled feed source (other test files add and remove some meanwhile).
      const schedulers = line.schedulers as string[];
      expect(schedulers.filter((n) => !/^feed-source-\d+$/.test(n)).sort()).toEqual([...FIXED].sort());
      await waitFor(
        () => readyz(app.url),
        (r) => r.status === 200,
        10_000,
      );
      expect(await readyz(app.url)).toEqual({ status: 200, body: { status: 'ok', postgres: 'ok', redis: 'ok', schedulers: 'ok' } });
      expect(await held(app)).toEqual(FIXED);
      expect(capture.find('job schedulers re-created')).toHaveLength(1);
    } finally {
      await app.close();
      await redis.destroy();
    }
  });
});
