import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { testConfig, testDb } from '../support/env.ts';
import { FakeSlack } from '../support/fakeSlack.ts';
import { earningsCsv } from '../support/ingest.ts';
import { organisationOfTrackingId, postFeed } from '../support/feedsApi.ts';
import { queuesSettled } from '../support/queues.ts';
import { waitFor } from '../support/wait.ts';
import { newTeam, SIGNING_SECRET, slackInfluencer as setUpSlackInfluencer, slash } from '../slack/helpers.ts';

const db = testDb();
let fake: FakeSlack;
let app: Runtime & { url: string };
let prefix: string;

beforeAll(async () => {
  fake = await FakeSlack.start();
  const config = testConfig({
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-notify',
    SLACK_API_URL: fake.apiUrl,
    FEED_API_TOKEN: 'feed-token-feed-token-123',
    BACKFILL_AGE_DAYS: '0',
  });
  prefix = config.QUEUE_PREFIX;
  app = (await startRuntime(config, { web: true, workers: true, log: createLogger('silent') })) as Runtime & { url: string };
});
afterAll(async () => {
  await app.close();
  await fake.close();
  await db.destroy();
});

const slackInfluencer = () => setUpSlackInfluencer(app.url, fake, 'nt');

const row = (tag: string, asin: string, fees: string, returns = false) =>
  `Kitchen & Dining,"Pan <b>&lt;!channel&gt;</b>",${asin},Amazon.com,${tag},2022-03-02 10:00:00,10.00,${returns ? 0 : 1},${returns ? 1 : 0},${returns ? '-10.00' : '10.00'},${fees},DESKTOP`;

/** A report of the organisation that holds `tag` (the operator's token names it). */
const postReport = async (csv: string, tag: string) =>
  postFeed(app, csv, { token: 'feed-token-feed-token-123', organisationId: await organisationOfTrackingId(app, tag) });

const dmsTo = (user: string) => fake.callsTo('chat.postMessage').filter((c) => c.body.channel === `D${user}`);

describe('when an ingest brings new commission', () => {
  it('then the influencer gets exactly one DM with totals that match the ledger, and none when it is ingested again', async () => {
    const { who, tag, handle } = await slackInfluencer();
    const csv = earningsCsv(
      ['2022-03-01', '2022-03-31'],
      [row(tag, 'B0NOTIFY01', '1.23'), row(tag, 'B0NOTIFY02', '4.56'), row(tag, 'B0NOTIFY03', '-0.45', true)],
    );
    await postReport(csv, tag);
    const dm = await fake.waitForCall('chat.postMessage', (c) => c.body.channel === `D${who.user}`, 10_000);
    const text = JSON.stringify(dm.body.blocks);
    expect(text).toContain(`New commission for @${handle}`);
    expect(text).toContain('3 new items');
    expect(text).toContain('$5.79'); // confirmed 1.23 + 4.56
    expect(text).toContain('−$0.45');
    expect(text).not.toContain('<!channel>');
    await postReport(csv, tag);
    await queuesSettled(app.queues, ['notify']);
    expect(dmsTo(who.user)).toHaveLength(1);
  });

  it('then a 429 pauses the destination and the message is delivered once after Retry-After', async () => {
    const { who, tag } = await slackInfluencer();
    fake.failures.push({ method: 'chat.postMessage', status: 429, retryAfter: 1 });
    const t0 = Date.now();
    await postReport(earningsCsv(['2022-04-01', '2022-04-30'], [row(tag, 'B0NOTIFY04', '2.00')]), tag);
    await waitFor(
      async () => dmsTo(who.user).length,
      (n) => n >= 2,
      15_000,
    ); // the refused attempt and the delivery
    await queuesSettled(app.queues, ['notify']);
    const calls = dmsTo(who.user);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    const delivery = await db.selectFrom('notification_deliveries').selectAll().where('destination', '=', `slack:dm:${who.team}:${who.user}`).execute();
    expect(delivery).toEqual([expect.objectContaining({ status: 'sent' })]);
  });

  it('then a message sent by a worker that died before recording it is not sent again', async () => {
    const { who, tag } = await slackInfluencer();
    // Simulate the crash: the claim exists with one attempt, and Slack already has the message.
    const influencer = await db.selectFrom('influencers').select('id').where('handle', '=', tag.slice(0, -3)).executeTakeFirstOrThrow();
    await app.queues.notify.pause();
    try {
      const ingestId = await postReport(earningsCsv(['2022-05-01', '2022-05-31'], [row(tag, 'B0NOTIFY05', '3.00')]), tag);
      const key = `commission:${ingestId}:${influencer.id}`;
      const { claimNews } = await import('../../src/domain/notifications/commissionNotice.ts');
      await claimNews(db, influencer.id, key);
      await db.updateTable('notification_deliveries').set({ attempts: 1 }).where('key', '=', key).execute();
      fake.posted.set(`D${who.user}`, [{ ts: '1.0001', text: 'already there', metadata: { event_type: 'affiliate_notice', event_payload: { key } } }]);
    } finally {
      await app.queues.notify.resume();
    }
    const done = await waitFor(
      () => db.selectFrom('notification_deliveries').select(['status', 'message_id']).where('influencer_id', '=', influencer.id).execute(),
      (r) => r.length === 1 && r[0]!.status === 'sent',
      10_000,
    );
    expect(done[0]!.message_id).toBe(`D${who.user}:1.0001`);
    expect(dmsTo(who.user)).toHaveLength(0);
  });

  it('then a revoked token ends the job and the influencer is told in their next command answer', async () => {
    const { who, tag } = await slackInfluencer();
    fake.failures.push({ method: 'chat.postMessage', error: 'channel_not_found' });
    await postReport(earningsCsv(['2022-06-01', '2022-06-30'], [row(tag, 'B0NOTIFY06', '1.00')]), tag);
    const influencer = await db.selectFrom('influencers').select('id').where('handle', '=', tag.slice(0, -3)).executeTakeFirstOrThrow();
    await waitFor(
      () => db.selectFrom('notification_deliveries').select('status').where('influencer_id', '=', influencer.id).execute(),
      (r) => r[0]?.status === 'failed',
      10_000,
    );
    const { reply } = await slash(app.url, fake, who, 'storefront', 'show');
    // Slack's renderer breaks up user-visible underscores with zero-width spaces; read it as a person would.
    expect(JSON.stringify(reply.body).replace(/\u200b/g, '')).toContain('Commission notifications could not be delivered (Slack says channel_not_found)');
  });

  it('then "off" is respected', async () => {
    const { who, tag } = await slackInfluencer();
    await slash(app.url, fake, who, 'storefront', 'notify off');
    await postReport(earningsCsv(['2022-07-01', '2022-07-31'], [row(tag, 'B0NOTIFY07', '1.00')]), tag);
    const influencer = await db.selectFrom('influencers').select('id').where('handle', '=', tag.slice(0, -3)).executeTakeFirstOrThrow();
    await waitFor(
      () => db.selectFrom('notification_deliveries').select('status').where('influencer_id', '=', influencer.id).execute(),
      (r) => r[0]?.status === 'skipped',
      10_000,
    );
    expect(dmsTo(who.user)).toHaveLength(0);
  });
});

describe('when two worker processes share the queue', () => {
  it('then each notification is still sent once', async () => {
    const second = await startRuntime(
      testConfig({ SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: 'xoxb-notify', SLACK_API_URL: fake.apiUrl, QUEUE_PREFIX: prefix }),
      { workers: true, log: createLogger('silent') },
    );
    try {
      // One team's roster, in one report of that team.
      const team = newTeam();
      const people = await Promise.all([0, 1, 2].map(() => setUpSlackInfluencer(app.url, fake, 'nt', team.member())));
      await postReport(
        earningsCsv(
          ['2022-08-01', '2022-08-31'],
          people.map((p, i) => row(p.tag, `B0NOTIFY1${i}`, '1.00')),
        ),
        people[0]!.tag,
      );
      for (const p of people) await fake.waitForCall('chat.postMessage', (c) => c.body.channel === `D${p.who.user}`, 10_000);
      await queuesSettled(app.queues, ['notify']);
      for (const p of people) expect(dmsTo(p.who.user)).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});
