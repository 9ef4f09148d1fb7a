import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDatabase, migrateToLatest } from '../../src/db/migrate.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { testConfig } from '../support/env.ts';
import { privateDatabase } from '../support/privateDatabase.ts';
import { seedInfluencer, seedLink } from '../support/fixtures.ts';
import { waitFor } from '../support/wait.ts';
import { LEVEL, LogCapture } from './support/logCapture.ts';
import { RedisServer } from '../faults/support/redisServer.ts';
import { TcpProxy } from './support/tcpProxy.ts';

const BROWSER = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
// A database of this file's own: the workers started here run every scheduler (digests, feed polls) and would
// otherwise act on other test files' organisations, whose own warnings are not this outage's.
const { url: databaseUrl, db } = privateDatabase('obsout', 3);
beforeAll(async () => {
  await ensureDatabase(databaseUrl);
  await migrateToLatest(db);
});

const status = async (url: string) => {
  const res = await fetch(url, { redirect: 'manual', headers: { 'user-agent': BROWSER } });
  await res.arrayBuffer();
  return res.status;
};
/** Everything at warn or above: during an outage that must be the one line saying so. */
const loud = (capture: LogCapture) => capture.lines.filter((l) => l.level >= LEVEL.warn).map((l) => l.msg);
/** The same lines in full, for a failure message. */
const loudLines = (capture: LogCapture) => JSON.stringify(capture.lines.filter((l) => l.level >= LEVEL.warn));

describe('when Redis goes away and comes back', () => {
  it('then the web server, the queues and the workers together log it once when it goes and once when it is back', async () => {
    const redis = await RedisServer.start({ persist: true });
    const capture = new LogCapture();
    const { influencer } = await seedInfluencer(db);
    const { link } = await seedLink(db, influencer.id);
    const app = (await startRuntime(testConfig({ REDIS_URL: redis.url, DATABASE_URL: databaseUrl }), {
      web: true,
      workers: true,
      log: capture.logger(),
    })) as Runtime & { url: string };
    try {
      expect(await status(`${app.url}/readyz`)).toBe(200);
      let reconnectErrors = 0;
      app.redis.on('error', () => (reconnectErrors += 1));

      await redis.stop();
      // Many requests and many reconnect attempts of every connection, queue and worker.
      for (let i = 0; i < 10; i++) {
        expect(await status(`${app.url}/readyz`)).toBe(503);
        expect(await status(`${app.url}/l/${link.code}`)).toBe(302); // Postgres still answers
      }
      await waitFor(
        async () => reconnectErrors,
        (n) => n >= 8,
        15_000,
      );
      expect(capture.find('redis unavailable')).toHaveLength(1);
      // The first connection to notice says why: refused, or reset/closed when it was cut mid-command.
      expect(capture.find('redis unavailable')[0]).toMatchObject({
        level: LEVEL.error,
        dependency: 'redis',
        err: expect.stringMatching(/ECONNREFUSED|ECONNRESET|Connection is closed/),
      });
      expect(loud(capture), loudLines(capture)).toEqual(['redis unavailable']);

      await redis.start();
      const back = await capture.waitFor('redis available again', {}, 15_000);
      expect(back).toMatchObject({ level: LEVEL.info, dependency: 'redis', downSeconds: expect.any(Number) });
      expect(back.downSeconds as number).toBeGreaterThan(0);
      await waitFor(
        () => status(`${app.url}/readyz`),
        (s) => s === 200,
        10_000,
      );
      for (let i = 0; i < 5; i++) expect(await status(`${app.url}/readyz`)).toBe(200);
      expect(capture.find('redis unavailable')).toHaveLength(1);
      expect(capture.find('redis available again')).toHaveLength(1);
      expect(loud(capture), loudLines(capture)).toEqual(['redis unavailable']);
    } finally {
      await app.close();
      await redis.destroy();
    }
  }, 60_000); // its own waits add up to 40 s: a slow recovery should fail at the step that waited, saying which
});

describe('when Postgres goes away and comes back', () => {
  it('then health checks, click writes and jobs failing over and over log it once, and its return once with how long it was gone', async () => {
    const viaProxy = new URL(databaseUrl);
    const proxy = await TcpProxy.start({ host: viaProxy.hostname, port: Number(viaProxy.port || 5432) });
    viaProxy.port = String(proxy.port);
    const capture = new LogCapture();
    const { influencer } = await seedInfluencer(db);
    const { link } = await seedLink(db, influencer.id);
    const { link: cold } = await seedLink(db, influencer.id); // never asked for: in no cache
    const app = (await startRuntime(testConfig({ DATABASE_URL: viaProxy.toString(), CLICK_FLUSH_MS: '60000', CLICK_BATCH_SIZE: '10000' }), {
      web: true,
      workers: true,
      log: capture.logger('debug'),
    })) as Runtime & { url: string };
    try {
      expect(await status(`${app.url}/l/${link.code}`)).toBe(302); // now warm in memory
      await app.clicks.flush();

      await proxy.close();
      for (let i = 0; i < 10; i++) {
        expect(await status(`${app.url}/readyz`)).toBe(503);
        expect(await status(`${app.url}/l/${link.code}`)).toBe(302); // answered from memory; the click waits
        expect(await status(`${app.url}/l/${cold.code}`)).toBe(503); // needs Postgres: "try again shortly"
        await app.clicks.flush(); // and cannot be written
      }
      expect(app.clicks.depth).toBe(10);
      // A job that needs Postgres fails too (a scheduled poll, say): part of the same outage, not a line of its own.
      const job = await app.queues['feed-poll'].add('feed-poll', { feedSourceId: 1 }, { attempts: 1 });
      await waitFor(
        () => job.getState(),
        (state) => state === 'failed',
        15_000,
      );
      // (The click rollup's scheduled jobs fail in the same outage: each job says so once too.)
      await waitFor(
        async () => capture.find('job failed (postgres unavailable)').filter((l) => l.queue === 'feed-poll').length,
        (n) => n === 1,
      );
      expect(capture.find('postgres unavailable')).toHaveLength(1);
      expect(capture.find('postgres unavailable')[0]).toMatchObject({ level: LEVEL.error, dependency: 'postgres' });
      expect(loud(capture), loudLines(capture)).toEqual(['postgres unavailable']);

      await proxy.open();
      const back = await capture.waitFor('postgres available again', {}, 15_000);
      expect(back).toMatchObject({ level: LEVEL.info, dependency: 'postgres', downSeconds: expect.any(Number) });
      await app.clicks.flush();
      expect(app.clicks.depth).toBe(0);
      expect(await status(`${app.url}/readyz`)).toBe(200);
      expect(capture.find('postgres unavailable')).toHaveLength(1);
      expect(capture.find('postgres available again')).toHaveLength(1);
      expect(loud(capture), loudLines(capture)).toEqual(['postgres unavailable']);
    } finally {
      await app.close();
      await proxy.close();
    }
  });
});
