import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { testConfig, testDb, unique } from '../support/env.ts';
import { FakeSlack } from '../support/fakeSlack.ts';
import { organisationOfTrackingId, postFeed } from '../support/feedsApi.ts';
import { queuesSettled } from '../support/queues.ts';
import { newTeam, SIGNING_SECRET, slash } from '../slack/helpers.ts';

const TOKEN = 'feed-token-feed-token-123';
const WINDOW_MS = 4000;
const db = testDb();
let fake: FakeSlack;
let app: Runtime & { url: string };

beforeAll(async () => {
  fake = await FakeSlack.start();
  const config = testConfig({
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-trickle',
    SLACK_API_URL: fake.apiUrl,
    FEED_API_TOKEN: TOKEN,
    NOTIFY_TRICKLE_MS: String(WINDOW_MS),
  });
  app = (await startRuntime(config, { web: true, workers: true, log: createLogger('silent') })) as Runtime & { url: string };
});
afterAll(async () => {
  await app.close();
  await fake.close();
  await db.destroy();
});

async function postback(tag: string, orderId: string, status: string, commission: string) {
  const line = JSON.stringify({
    orderId,
    line: 1,
    trackingId: tag,
    asin: 'B0TRICKLE1',
    category: 'Toys & Games',
    qty: 1,
    unitPrice: '20.00',
    currency: 'USD',
    status,
    commission,
    time: new Date(Date.now() - 60_000).toISOString(),
  });
  await postFeed(app, `${line}\n`, { token: TOKEN, network: 'postback', organisationId: await organisationOfTrackingId(app, tag) });
}

describe('when postbacks trickle in one at a time', () => {
  it('then the influencer gets one message for the window, not one per postback', async () => {
    const team = newTeam();
    const who = team.member();
    const handle = unique('tr');
    await slash(app.url, fake, who, 'storefront', `setup ${handle} ${handle}-20`);
    // Start just after a window begins, so the three postbacks fall in one window.
    await new Promise((r) => setTimeout(r, WINDOW_MS - (Date.now() % WINDOW_MS) + 50));
    const windowEnd = Math.floor(Date.now() / WINDOW_MS + 1) * WINDOW_MS;
    await postback(`${handle}-20`, unique('o'), 'ordered', '0.60');
    await postback(`${handle}-20`, unique('o'), 'shipped', '0.80');
    await postback(`${handle}-20`, unique('o'), 'shipped', '1.00');
    const dm = await fake.waitForCall('chat.postMessage', (c) => c.body.channel === `D${who.user}`, 10_000);
    expect(JSON.stringify(dm.body.blocks)).toContain('3 new items');
    // Sent when the window closed, not at the first postback.
    expect(dm.at).toBeGreaterThanOrEqual(windowEnd);
    // The window's job has run: had any postback started a second message, it would have been sent by now.
    await queuesSettled(app.queues, ['notify']);
    expect(fake.callsTo('chat.postMessage').filter((c) => c.body.channel === `D${who.user}`)).toHaveLength(1);
  });
});
