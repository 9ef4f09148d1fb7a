// Whoever can write to Redis cannot change where a short link leads: cached targets carry an HMAC over the code and
// the entry, and one that does not verify is ignored (read from Postgres instead) and logged once.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { testConfig, testDb } from '../support/env.ts';
import { seedInfluencer, seedLink } from '../support/fixtures.ts';
import { waitFor } from '../support/wait.ts';
import { LEVEL, LogCapture } from '../observability/support/logCapture.ts';

const db = testDb();
const redis = new Redis(inject('redisUrl'));
const config = testConfig();
const key = (code: string) => `${config.QUEUE_PREFIX}:link:${code}`;
let warm: Runtime & { url: string };

beforeAll(async () => {
  warm = (await startRuntime(config, { web: true, log: createLogger('silent') })) as Runtime & { url: string };
});
afterAll(async () => {
  await warm?.close();
  await db.destroy();
  redis.disconnect();
});

/** A web server with an empty in-process cache, sharing Redis with the first one. */
async function coldServer(capture: LogCapture) {
  const rt = (await startRuntime(config, { web: true, log: capture.logger() })) as Runtime & { url: string };
  // Until its cache connection is up, a server skips Redis altogether (Postgres answers): wait, so Redis is read.
  await waitFor(
    async () => rt.cacheRedis.status,
    (s) => s === 'ready',
    5000,
  );
  return rt;
}

const follow = async (base: string, code: string) => {
  const res = await fetch(`${base}/l/${code}`, { redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location') };
};

/** A link whose target the first server has cached in Redis; also a thief's link to steal a tag from. */
async function cachedLink() {
  const { influencer, trackingId } = await seedInfluencer(db);
  const { link } = await seedLink(db, influencer.id);
  expect(await follow(warm.url, link.code)).toEqual({ status: 302, location: link.destinationUrl });
  const entry = await waitFor(
    () => redis.get(key(link.code)),
    (v) => v !== null,
    5000,
  );
  return { link, entry: entry!, tag: trackingId.trackingId };
}

describe('when someone with access to Redis rewrites a cached link', () => {
  it('then the entry is signed: no plain JSON target, a MAC bound to the code', async () => {
    const { link, entry } = await cachedLink();
    expect(entry).toMatch(/^m1:dev:[A-Za-z0-9_-]{43}:\{/);
    expect(JSON.parse(entry.slice(entry.indexOf('{')))).toEqual({ linkId: link.id, destination: link.destinationUrl });
  });

  it('then a different destination written for the code is not served: the follower still reaches the right tag, and it is logged once', async () => {
    const { link, entry, tag } = await cachedLink();
    const { trackingId: thief } = await seedInfluencer(db);
    const forged = entry.replace(`tag=${tag}`, `tag=${thief.trackingId}`);
    expect(forged).not.toBe(entry);
    await redis.set(key(link.code), forged, 'EX', 3600);

    const capture = new LogCapture();
    const cold = await coldServer(capture);
    try {
      for (let i = 0; i < 3; i++) expect(await follow(cold.url, link.code)).toEqual({ status: 302, location: link.destinationUrl });
      expect(link.destinationUrl).toContain(`tag=${tag}`);
      const warnings = capture.find('link cache entry in Redis failed its integrity check; ignored, link read from Postgres');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ level: LEVEL.warn, code: link.code });
      // The entry read from Postgres replaced the forged one.
      await waitFor(
        () => redis.get(key(link.code)),
        (v) => v === entry,
        5000,
      );
    } finally {
      await cold.close();
    }
  });

  it('then another link’s valid entry copied onto a code is not served either (the MAC covers the code)', async () => {
    const victim = await cachedLink();
    const thief = await cachedLink();
    await redis.set(key(victim.link.code), thief.entry, 'EX', 3600);
    const capture = new LogCapture();
    const cold = await coldServer(capture);
    try {
      expect(await follow(cold.url, victim.link.code)).toEqual({ status: 302, location: victim.link.destinationUrl });
      expect(await follow(cold.url, thief.link.code)).toEqual({ status: 302, location: thief.link.destinationUrl });
      expect(capture.find('link cache entry in Redis failed its integrity check; ignored, link read from Postgres', { code: victim.link.code })).toHaveLength(
        1,
      );
    } finally {
      await cold.close();
    }
  });

  it('then an unsigned target (the format before signing) is a quiet miss, never served', async () => {
    const { link, tag } = await cachedLink();
    const { trackingId: thief } = await seedInfluencer(db);
    await redis.set(
      key(link.code),
      JSON.stringify({ linkId: link.id, destination: link.destinationUrl.replace(`tag=${tag}`, `tag=${thief.trackingId}`) }),
      'EX',
      3600,
    );
    const capture = new LogCapture();
    const cold = await coldServer(capture);
    try {
      expect(await follow(cold.url, link.code)).toEqual({ status: 302, location: link.destinationUrl });
      expect(capture.lines.filter((l) => l.level >= LEVEL.warn)).toEqual([]);
    } finally {
      await cold.close();
    }
  });

  it('then a garbage entry for a code that does not exist still answers 404', async () => {
    await redis.set(
      key('Zz9Zz9Zz'),
      'm1:dev:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx:{"linkId":1,"destination":"https://www.amazon.com/dp/B000000000?tag=thief-20"}',
      'EX',
      60,
    );
    const capture = new LogCapture();
    const cold = await coldServer(capture);
    try {
      expect((await follow(cold.url, 'Zz9Zz9Zz')).status).toBe(404);
    } finally {
      await cold.close();
    }
  });
});
