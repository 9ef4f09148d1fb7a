// On Redis Cluster the queue prefix is a hash tag ({affiliate}) so that BullMQ's multi-key scripts stay in one slot.
// Against a single Redis with the same prefix, the service works as usual and every key it writes carries the tag.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { deleteKeysMatching } from '../../src/redisKeys.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { testConfig, testDb, unique } from '../support/env.ts';
import { postFeed } from '../support/feedsApi.ts';
import { newOrganisation } from '../support/fixtures.ts';
import { earningsCsv } from '../support/ingest.ts';

const TOKEN = 'hash-tag-operator-token-0123456789';
const prefix = `{${inject('queuePrefix')}_${unique('ht')}}`;
const db = testDb();
let app: Runtime & { url: string };

beforeAll(async () => {
  app = (await startRuntime(testConfig({ QUEUE_PREFIX: prefix, FEED_API_TOKEN: TOKEN }), {
    web: true,
    workers: true,
    log: createLogger('silent'),
  })) as Runtime & { url: string };
});
afterAll(async () => {
  await app.close();
  await db.destroy();
  // Outside the run's own t_<run>* pattern (it starts with "{"): removed here.
  await deleteKeysMatching(inject('redisUrl'), `${prefix}*`);
});

describe('when QUEUE_PREFIX is a Redis Cluster hash tag', () => {
  it('then a report goes through the queue and its worker, and every key the service wrote starts with the tag', async () => {
    const org = await newOrganisation(db);
    const tag = `${unique('ht').toLowerCase()}-20`;
    await postFeed(app, earningsCsv(['2022-02-01', '2022-02-28'], [`Home,Lamp,B000000077,Amazon.com,${tag},2022-02-03 10:00:00,10.00,1,0,10.00,0.40,PHONE`]), {
      token: TOKEN,
      organisationId: org,
    });
    const lines = await db.selectFrom('ledger_entries').select('amount_minor').where('tracking_id', '=', tag).execute();
    expect(lines).toEqual([{ amount_minor: 40 }]);

    const redis = new Redis(inject('redisUrl'));
    try {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `*${prefix.slice(1, -1)}*`, 'COUNT', 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.filter((k) => !k.startsWith(`${prefix}:`))).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('then a prefix that is not a whole hash tag is refused at start, naming the variable', async () => {
    expect(() => testConfig({ QUEUE_PREFIX: '{half' })).toThrow(/QUEUE_PREFIX/);
    expect(() => testConfig({ QUEUE_PREFIX: 'a{b}' })).toThrow(/QUEUE_PREFIX/);
  });
});
