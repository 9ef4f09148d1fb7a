// Link health through the fake Creators API, the real queues and a fake Slack: when Amazon stops selling products of
// a storefront, the refresh marks them, the storefront says so, the influencer gets one message listing them (once),
// and managers can count them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogueFetchDeps } from '../../jobs/catalogue/processor.ts';
import { queueHealthNotices } from '../../jobs/notify/catalogueNoticeProcessor.ts';
import { healthOf, unavailableProducts } from '../../src/domain/catalogue/linkHealth.ts';
import { refreshDue } from '../../src/domain/catalogue/refresh.ts';
import { RequestBudget } from '../../src/domain/catalogue/requestBudget.ts';
import { addToStorefront } from '../../src/domain/storefront/storefronts.ts';
import { createLogger } from '../../src/log.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { secretBoxFor } from '../../src/secrets/secretBox.ts';
import { randomAsin } from '../support/fixtures.ts';
import { testConfig, testDb, unique } from '../support/env.ts';
import { FakeCreatorsApi } from '../support/fakeCreatorsApi.ts';
import { FakeSlack } from '../support/fakeSlack.ts';
import { queuesSettled } from '../support/queues.ts';
import { waitFor } from '../support/wait.ts';
import { SIGNING_SECRET, slackInfluencer, visibleText } from '../slack/helpers.ts';

const db = testDb();
const credentialId = unique('healthcred');
let api: FakeCreatorsApi;
let slack: FakeSlack;
let app: Runtime & { url: string };
let config: ReturnType<typeof testConfig>;

beforeAll(async () => {
  api = await FakeCreatorsApi.start();
  api.addCredential(credentialId, 'operator-secret');
  slack = await FakeSlack.start();
  config = testConfig({
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-health',
    SLACK_API_URL: slack.apiUrl,
    AMAZON_CREATORS_CLIENT_ID: credentialId,
    AMAZON_CREATORS_CLIENT_SECRET: 'operator-secret',
    AMAZON_CREATORS_CREDENTIAL_VERSION: '3.1',
    AMAZON_CREATORS_PARTNER_TAG: 'operator-20',
    AMAZON_CREATORS_API_URL: api.url,
  });
  app = (await startRuntime(config, { web: true, workers: true, log: createLogger('silent') })) as Runtime & { url: string };
});
afterAll(async () => {
  await app?.close();
  await slack?.close();
  await api?.close();
  await db.destroy();
});

describe('link health: availability from OffersV2', () => {
  it('when Amazon reports types and messages, then each maps to available, out of stock or unavailable', () => {
    expect(healthOf({ availabilityType: 'IN_STOCK', availability: 'In Stock' })).toBe('available');
    expect(healthOf({ availabilityType: 'OUT_OF_STOCK', availability: 'Temporarily out of stock.' })).toBe('out_of_stock');
    expect(healthOf({ availabilityType: 'UNAVAILABLE' })).toBe('unavailable');
    expect(healthOf({ availability: 'Currently unavailable.' })).toBe('unavailable');
    expect(healthOf({ hasOffers: false })).toBe('unavailable');
    expect(healthOf({})).toBeUndefined();
  });
});

describe('when Amazon stops selling products of a storefront', () => {
  it('then the refresh marks them, the storefront says so, the influencer gets one message listing them, exactly once, and managers see the count', async () => {
    const { who, handle } = await slackInfluencer(app.url, slack, 'lh');
    const influencer = await db.selectFrom('influencers').select(['id', 'organisation_id']).where('handle', '=', handle).executeTakeFirstOrThrow();
    const [kettle, grinder, pan] = [randomAsin(), randomAsin(), randomAsin()];
    api.addProduct(kettle, { title: 'Quiet kettle', price: 24.99 });
    api.addProduct(grinder, { title: 'Burr grinder <b>pro</b>', price: 89 });
    api.addProduct(pan, { title: 'Cast-iron pan', price: 39.9 });
    for (const asin of [kettle, grinder, pan]) await addToStorefront(db, { influencerId: influencer.id, ref: { asin, marketplace: 'US' } });
    // The fill jobs fetch them at once: all in stock, nothing to tell.
    await waitFor(
      () =>
        db
          .selectFrom('catalogue_entries as c')
          .innerJoin('products as p', 'p.id', 'c.product_id')
          .select('c.health')
          .where('p.asin', 'in', [kettle, grinder, pan])
          .execute(),
      (rows) => rows.length === 3 && rows.every((r) => r.health === 'available'),
      10_000,
    );
    await queuesSettled(app.queues, ['catalogue-fill', 'catalogue-notice']);
    const dms = () => slack.callsTo('chat.postMessage').filter((c) => c.body.channel === `D${who.user}`);
    expect(dms()).toHaveLength(0);

    // A day later Amazon sells two of them no more.
    api.addProduct(grinder, { title: 'Burr grinder <b>pro</b>', availabilityType: 'OUT_OF_STOCK', availability: 'Temporarily out of stock.' });
    api.addProduct(pan, { title: 'Cast-iron pan', availabilityType: 'UNAVAILABLE', availability: 'Currently unavailable.' });
    let now = Date.now() + 24 * 3_600_000;
    const deps = catalogueFetchDeps({
      db,
      box: secretBoxFor(config),
      config,
      budget: new RequestBudget({ now: () => now, sleep: async (ms) => void (now += ms) }),
      now: () => new Date(now),
    });
    // What the refresh job does after its run, scoped to this test's organisation (the database is shared).
    const refreshRun = async () => {
      await refreshDue(deps, { organisationIds: [influencer.organisation_id] });
      await queueHealthNotices(db, app.queues['catalogue-notice'], { influencerIds: [influencer.id] });
    };
    await refreshRun();
    const dm = await slack.waitForCall('chat.postMessage', (c) => c.body.channel === `D${who.user}`, 10_000);
    const said = visibleText(dm.body.blocks);
    expect(said).toContain(`2 products on @${handle} are no longer available`);
    expect(said).toMatch(/Burr grinder &lt;b&gt;pro&lt;\/b&gt;|Burr grinder <b>pro<\/b>/);
    expect(said).toContain(`${grinder} · Out of stock`);
    expect(said).toContain(`${pan} · Currently unavailable`);
    expect(said).not.toContain('Quiet kettle');

    // Queued again, and refreshed again while still unavailable: no second message.
    await queueHealthNotices(db, app.queues['catalogue-notice'], { influencerIds: [influencer.id] });
    now += 24 * 3_600_000;
    await refreshRun();
    await queuesSettled(app.queues, ['catalogue-notice']);
    expect(dms()).toHaveLength(1);
    const deliveries = await db.selectFrom('notification_deliveries').select(['kind', 'status']).where('influencer_id', '=', influencer.id).execute();
    expect(deliveries).toEqual([{ kind: 'catalogue', status: 'sent' }]);

    // The storefront (at the time of the refresh, so the data is showable) marks both; the manager's count says 2.
    const page = await (await fetch(`${app.url}/s/${handle}`)).text();
    expect(page.match(/<article class="card gone">/g)).toHaveLength(2);
    expect(page).toContain('<p class="avail gone">Currently unavailable</p>');
    expect(page).toContain('<p class="avail gone">Temporarily out of stock</p>');
    expect(await unavailableProducts(db, influencer.organisation_id)).toMatchObject({
      count: 2,
      outOfStock: 1,
      unavailable: 1,
      examples: expect.arrayContaining([expect.objectContaining({ handle, asin: pan, health: 'unavailable' })]),
    });

    // Back in stock, then gone again: that is news again, one more message.
    api.addProduct(pan, { title: 'Cast-iron pan', price: 39.9 });
    now += 24 * 3_600_000;
    await refreshRun();
    expect((await unavailableProducts(db, influencer.organisation_id)).count).toBe(1);
    api.addProduct(pan, { title: 'Cast-iron pan', availabilityType: 'UNAVAILABLE' });
    now += 24 * 3_600_000;
    await refreshRun();
    await waitFor(
      async () => dms().length,
      (n) => n === 2,
      10_000,
    );
    expect(visibleText(dms()[1]!.body.blocks)).toContain(`A product on @${handle} is no longer available`);
  });
});
