import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime.ts';
import { startTestApp, testDb } from '../support/env.ts';
import { seedInfluencer, seedLink } from '../support/fixtures.ts';
import { scrape } from './support/scrape.ts';

const BROWSER = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const db = testDb();
let app: Runtime & { url: string };

beforeAll(async () => {
  // No workers here, so queued jobs stay waiting; clicks are written only when the test flushes them.
  app = await startTestApp({ CLICK_FLUSH_MS: '60000', CLICK_BATCH_SIZE: '10000' });
});
afterAll(async () => {
  await app.close();
  await db.destroy();
});

describe('when jobs wait in a queue with nobody taking them', () => {
  it('then each queue reports the age of its oldest waiting job, and 0 when none waits', async () => {
    const empty = await scrape(app.url);
    expect(empty.find('affiliate_queue_oldest_waiting_seconds', { queue: 'feed-poll' })).toEqual([expect.objectContaining({ value: 0 })]);

    await app.queues['feed-poll'].add('feed-poll', { feedSourceId: 1 }, { timestamp: Date.now() - 90_000 });
    await app.queues['feed-poll'].add('feed-poll', { feedSourceId: 2 }, { timestamp: Date.now() - 5_000 });
    // A delayed job is not waiting yet: it shows under delayed, not as an old job.
    await app.queues.digest.add('digest', { subscriptionId: 1, localDate: '2026-01-01' }, { delay: 600_000, timestamp: Date.now() - 3_600_000 });

    const m = await scrape(app.url);
    const age = m.value('affiliate_queue_oldest_waiting_seconds', { queue: 'feed-poll' });
    expect(age).toBeGreaterThanOrEqual(90);
    expect(age).toBeLessThan(120);
    expect(m.value('affiliate_queue_jobs', { queue: 'feed-poll', state: 'waiting' })).toBe(2);
    expect(m.value('affiliate_queue_oldest_waiting_seconds', { queue: 'digest' })).toBe(0);
    expect(m.value('affiliate_queue_jobs', { queue: 'digest', state: 'delayed' })).toBe(1);
    for (const queue of ['ingest', 'notify', 'digest-tick', 'earnings-rollup']) expect(m.value('affiliate_queue_oldest_waiting_seconds', { queue })).toBe(0);
  });
});

describe('when clicks wait in memory to be written', () => {
  it('then the buffer reports how many and how old the oldest is, back to 0 once they are written', async () => {
    const { influencer } = await seedInfluencer(db);
    const { link } = await seedLink(db, influencer.id);
    // One click taken 42 s ago and still unwritten (Postgres was slow, say), then a follower clicks now.
    app.clicks.push({ linkId: link.id, at: new Date(Date.now() - 42_000), ip: '203.0.113.7', userAgent: BROWSER, referer: undefined, country: null });
    const res = await fetch(`${app.url}/l/${link.code}`, { redirect: 'manual', headers: { 'user-agent': BROWSER } });
    expect(res.status).toBe(302);

    const waiting = await scrape(app.url);
    expect(waiting.value('affiliate_click_buffer_depth')).toBe(2);
    const lag = waiting.value('affiliate_click_buffer_lag_seconds');
    expect(lag).toBeGreaterThanOrEqual(42);
    expect(lag).toBeLessThan(60);

    await app.clicks.flush();
    const written = await scrape(app.url);
    expect(written.value('affiliate_click_buffer_depth')).toBe(0);
    expect(written.value('affiliate_click_buffer_lag_seconds')).toBe(0);
    expect(await db.selectFrom('clicks').select('id').where('link_id', '=', link.id).execute()).toHaveLength(2);
  });
});
