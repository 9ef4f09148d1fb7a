import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate, zonedTime } from '../../src/domain/common/time.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { testConfig, testDb, unique } from '../support/env.ts';
import { FakeSlack } from '../support/fakeSlack.ts';
import { earningsCsv } from '../support/ingest.ts';
import { newTeam, SIGNING_SECRET, slackInfluencer as setUpSlackInfluencer, slash } from '../slack/helpers.ts';
import { LEVEL, LogCapture } from './support/logCapture.ts';
import { scrape } from './support/scrape.ts';
import { organisationOf } from '../support/fixtures.ts';
import { organisationOfTrackingId } from '../support/feedsApi.ts';

const FEED_TOKEN = 'feed-token-feed-token-123';
const db = testDb();
const capture = new LogCapture();
let fake: FakeSlack;
let app: Runtime & { url: string };

beforeAll(async () => {
  fake = await FakeSlack.start();
  const config = testConfig({ SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: 'xoxb-observe', SLACK_API_URL: fake.apiUrl, FEED_API_TOKEN: FEED_TOKEN });
  app = (await startRuntime(config, { web: true, workers: true, log: capture.logger() })) as Runtime & { url: string };
});
afterAll(async () => {
  await app.close();
  await fake.close();
  await db.destroy();
});

async function slackInfluencer() {
  const { who, handle, tag } = await setUpSlackInfluencer(app.url, fake, 'ob');
  const { id } = await db.selectFrom('influencers').select('id').where('handle', '=', handle).executeTakeFirstOrThrow();
  return { who, tag, influencerId: id };
}

const row = (tag: string, asin: string, fees: string) => `Kitchen,Pan,${asin},Amazon.com,${tag},2022-03-02 10:00:00,10.00,1,0,10.00,${fees},DESKTOP`;

/** A report of the organisation holding `tag`, posted with the operator's token (which names it). */
async function postReport(csv: string, tag: string) {
  const res = await fetch(`${app.url}/api/feeds/amazon?org=${await organisationOfTrackingId(app, tag)}`, {
    method: 'POST',
    body: csv,
    headers: { authorization: `Bearer ${FEED_TOKEN}` },
  });
  expect(res.status).toBe(202);
}

const count = async (name: string, outcome: string) => (await scrape(app.url)).value(name, { outcome });

describe('when a commission notification is delivered or given up', () => {
  it('then one line names the influencer, the platform, the message and the attempt, and the sent counter moves', async () => {
    const { who, tag, influencerId } = await slackInfluencer();
    const sentBefore = await count('affiliate_notifications_total', 'sent');
    await postReport(earningsCsv(['2022-03-01', '2022-03-31'], [row(tag, 'B0OBSNOT01', '1.00')]), tag);
    const line = await capture.waitFor('notification sent', { influencerId });
    expect(line).toMatchObject({
      level: LEVEL.info,
      outcome: 'sent',
      platform: 'slack',
      messageId: expect.stringContaining(`D${who.user}`),
      attempts: 1,
      ingestId: expect.any(String),
    });
    expect(await count('affiliate_notifications_total', 'sent')).toBe(sentBefore + 1);
    expect(capture.find('notification sent', { influencerId })).toHaveLength(1);
  });

  it('then a destination that is gone is one warning with the reason, counted as gone', async () => {
    const { tag, influencerId } = await slackInfluencer();
    const goneBefore = await count('affiliate_notifications_total', 'gone');
    fake.failures.push({ method: 'chat.postMessage', error: 'channel_not_found' });
    await postReport(earningsCsv(['2022-04-01', '2022-04-30'], [row(tag, 'B0OBSNOT02', '1.00')]), tag);
    const line = await capture.waitFor('notification given up', { influencerId });
    expect(line).toMatchObject({ level: LEVEL.warn, outcome: 'gone', platform: 'slack', reason: expect.stringContaining('channel_not_found'), attempts: 1 });
    expect(await count('affiliate_notifications_total', 'gone')).toBe(goneBefore + 1);
    // The generic job-failure line stays out of it: one event, one line.
    expect(capture.lines.filter((l) => l.queue === 'notify' && /^job failed/.test(l.msg))).toHaveLength(0);
  });
});

describe("when a manager's digest is sent", () => {
  it('then one line names the subscription, the organisation, the local day and the outcome, and the sent counter moves', async () => {
    const tz = 'Europe/Berlin';
    const team = newTeam();
    const manager = team.member();
    fake.setUser(manager.user, { admin: true, tz });
    const who = team.member();
    const handle = unique('obd');
    await slash(app.url, fake, who, 'storefront', `setup ${handle} ${handle}-20`);
    const influencer = await db.selectFrom('influencers').select(['id', 'organisation_id']).where('handle', '=', handle).executeTakeFirstOrThrow();
    const yesterday = addDays(localDate(new Date(), tz), -1);
    await db
      .insertInto('ledger_entries')
      .values({
        network: 'amazon',
        line_key: unique('k'),
        kind: 'confirmed',
        tracking_id: `${handle}-20`,
        influencer_id: influencer.id,
        organisation_id: organisationOf(influencer.id),
        marketplace: 'US',
        asin: 'B0OBSDIG01',
        product_name: 'Digest pan',
        category: 'Kitchen',
        occurred_at: zonedTime(yesterday, tz, 12, 0),
        quantity: 1,
        amount_minor: 1234,
        currency: 'USD',
        ingest_id: null,
        link_id: null,
        reverses_entry_id: null,
      })
      .execute();
    await slash(app.url, fake, manager, 'digest', 'subscribe 00:00');
    // Subscribing after today's time starts tomorrow, so no tick (of this app or another test's) sends it: only the job queued below.
    const sub = await db
      .selectFrom('digest_subscriptions')
      .select(['id', 'starts_local_date'])
      .where('organisation_id', '=', influencer.organisation_id)
      .executeTakeFirstOrThrow();
    expect(sub.starts_local_date).toBe(addDays(localDate(new Date(), tz), 1));
    const today = localDate(new Date(), tz);
    const sentBefore = await count('affiliate_digests_total', 'sent');
    // This app's workers may send other test files' due digests meanwhile: each of those is a line and a count too.
    const linesBefore = capture.find('digest sent').length;
    // Queued as the tick queues a due digest.
    await app.queues.digest.add('digest', { subscriptionId: sub.id, localDate: today }, { jobId: `digest-${sub.id}-${today}` });

    const line = await capture.waitFor('digest sent', { subscriptionId: sub.id });
    expect(line).toMatchObject({
      level: LEVEL.info,
      outcome: 'sent',
      organisationId: influencer.organisation_id,
      localDate: today,
      platform: 'slack',
      messageId: expect.any(String),
      attempts: 1,
    });
    expect(await count('affiliate_digests_total', 'sent')).toBe(sentBefore + capture.find('digest sent').length - linesBefore);
    expect(capture.find('digest sent', { subscriptionId: sub.id })).toHaveLength(1);
  });
});
