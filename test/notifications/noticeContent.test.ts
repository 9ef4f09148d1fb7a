// What a commission notice says, end to end: reports posted to the feeds API, the ingest and notify workers, and the
// message that reaches the fake Slack and Discord APIs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { testConfig, testDb, unique } from '../support/env.ts';
import { FakeDiscord } from '../support/fakeDiscord.ts';
import { FakeSlack } from '../support/fakeSlack.ts';
import { randomAsin } from '../support/fixtures.ts';
import { earningsCsv, ordersCsv } from '../support/ingest.ts';
import { organisationOfTrackingId, postFeed } from '../support/feedsApi.ts';
import { queuesSettled } from '../support/queues.ts';
import { waitFor } from '../support/wait.ts';
import { discordEnv, newGuild, slash as discordSlash, visibleText as discordVisible } from '../discord/helpers.ts';
import { SIGNING_SECRET, slackInfluencer, visibleText } from '../slack/helpers.ts';

const TOKEN = 'feed-token-feed-token-123';
const db = testDb();
let slack: FakeSlack;
let discord: FakeDiscord;
let app: Runtime & { url: string };

beforeAll(async () => {
  slack = await FakeSlack.start();
  discord = await FakeDiscord.start();
  // BACKFILL_AGE_DAYS is left at its default (45).
  const config = testConfig({
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-notice',
    SLACK_API_URL: slack.apiUrl,
    ...discordEnv(discord),
    FEED_API_TOKEN: TOKEN,
  });
  app = (await startRuntime(config, { web: true, workers: true, log: createLogger('silent') })) as Runtime & { url: string };
});
afterAll(async () => {
  await app.close();
  await slack.close();
  await discord.close();
  await db.destroy();
});

const postReport = async (csv: string, tag: string) => postFeed(app, csv, { token: TOKEN, organisationId: await organisationOfTrackingId(app, tag) });
const dmsTo = (user: string) => slack.callsTo('chat.postMessage').filter((c) => c.body.channel === `D${user}`);
/** YYYY-MM-DD `n` days before today (UTC). */
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

const earningsRow = (tag: string, asin: string, name: string, day: string, fees: string) =>
  `Watches,${name},${asin},Amazon.com,${tag},${day} 10:00:00,300.00,1,0,300.00,${fees},DESKTOP`;
const orderRow = (tag: string, asin: string, name: string, day: string, qty: number) =>
  `Watches,${name},${asin},${day} 09:00:00,${qty},300.00,Text+Image,${tag},N,DESKTOP`;

describe('when an old report is loaded late (a backfill)', () => {
  it('then the influencer gets one backfill summary naming the month and the totals, not "new commission"', async () => {
    const { who, tag, handle } = await slackInfluencer(app.url, slack, 'bf');
    const rows = [
      earningsRow(tag, randomAsin(), 'Kite', '2021-03-09', '1000.00'),
      earningsRow(tag, randomAsin(), 'Pan', '2021-03-20', '1500.50'),
      earningsRow(tag, randomAsin(), 'Lamp', '2021-04-02', '440.58'),
    ];
    await postReport(earningsCsv(['2021-03-07', '2021-04-05'], rows), tag);
    const dm = await slack.waitForCall('chat.postMessage', (c) => c.body.channel === `D${who.user}`, 10_000);
    const text = visibleText(dm.body.blocks);
    expect(text).toContain('Backfill: March 2021 report, 3 items, $2,941.08 confirmed.');
    expect(text).toContain('Report window 2021-03-07 to 2021-04-05');
    expect(text).toContain(`Past earnings loaded for @${handle}`);
    expect(text).not.toContain('New commission');
    expect(text).not.toContain('Top items');
    await queuesSettled(app.queues, ['notify']);
    expect(dmsTo(who.user)).toHaveLength(1);
  });

  it('then a Discord influencer gets the same single summary in their DM', async () => {
    const person = newGuild().member();
    const handle = unique('bd');
    const tag = `${handle}-20`;
    expect((await discordSlash(app.url, discord, person, 'storefront', 'setup', { handle, 'tracking-id': tag })).visible).toContain('Storefront created');
    await postReport(earningsCsv(['2021-03-07', '2021-04-05'], [earningsRow(tag, randomAsin(), 'Kite', '2021-03-10', '12.34')]), tag);
    const mine = (c: { body: unknown }) => JSON.stringify(c.body).includes(`@${handle}`);
    const [sent] = await waitFor(
      async () => discord.callsTo('POST', /^\/channels\/\d+\/messages$/).filter((c) => c.status === 200 && mine(c)),
      (c) => c.length >= 1,
      10_000,
    );
    const text = discordVisible(sent!.body as Parameters<typeof discordVisible>[0]);
    expect(text).toContain('Backfill: March 2021 report, 1 item, $12.34 confirmed.');
    expect(text).not.toContain('New commission');
    await queuesSettled(app.queues, ['notify']);
    expect(discord.callsTo('POST', /^\/channels\/\d+\/messages$/).filter((c) => c.status === 200 && mine(c))).toHaveLength(1);
  });
});

describe('when current orders and shipments arrive together', () => {
  it('then the notice names its report window and lists the product once, by its catalogue title, confirmed and pending side by side', async () => {
    const { who, tag, handle } = await slackInfluencer(app.url, slack, 'cur');
    const watch = randomAsin();
    // The catalogue knows the watch by a shorter title than the report's name.
    const product = await db
      .insertInto('products')
      .values({ asin: watch, marketplace: 'US', title: null, image_url: null, category: null, price_minor: null, currency: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('catalogue_entries')
      .values({
        product_id: product.id,
        state: 'ok',
        title: 'Forerunner 255',
        image_url: 'https://images.test/fr255.jpg',
        fetched_at: new Date(),
        features: null,
      })
      .execute();
    const reportName = 'Garmin Forerunner 255 GPS Running Smartwatch';
    const window: [string, string] = [daysAgo(10), daysAgo(2)];
    // Both reports wait for one notification, as when they land together.
    await app.queues.notify.pause();
    try {
      await postReport(ordersCsv(window, [orderRow(tag, watch, reportName, daysAgo(6), 2)]), tag);
      await postReport(
        earningsCsv(window, [earningsRow(tag, watch, reportName, daysAgo(4), '41.20'), earningsRow(tag, randomAsin(), 'Kite', daysAgo(4), '5.00')]),
        tag,
      );
    } finally {
      await app.queues.notify.resume();
    }
    const dm = await slack.waitForCall('chat.postMessage', (c) => c.body.channel === `D${who.user}`, 10_000);
    const text = visibleText(dm.body.blocks);
    expect(text).toContain(`New commission for @${handle}`);
    expect(text).toContain(`Report window ${window[0]} to ${window[1]}.`);
    expect(text).not.toContain('Backfill');
    const watchLines = text.split('\n').filter((l) => l.includes('Forerunner 255'));
    expect(watchLines).toHaveLength(1);
    expect(watchLines[0]).toMatch(/^• Forerunner 255 — \$41\.20 confirmed, \$[\d,]+\.\d{2} pending$/);
    expect(text).not.toContain(reportName);
    await queuesSettled(app.queues, ['notify']);
    expect(dmsTo(who.user)).toHaveLength(1);
  });
});
