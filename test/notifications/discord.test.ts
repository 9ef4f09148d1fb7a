import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { testConfig, testDb, unique } from '../support/env.ts';
import { FakeDiscord } from '../support/fakeDiscord.ts';
import { earningsCsv } from '../support/ingest.ts';
import { organisationOfTrackingId, postFeed } from '../support/feedsApi.ts';
import { queuesSettled } from '../support/queues.ts';
import { waitFor } from '../support/wait.ts';
import { discordEnv, newGuild, slash } from '../discord/helpers.ts';
import * as C from '../../src/cards/card.ts';

const db = testDb();
let fake: FakeDiscord;
let app: Runtime & { url: string };

beforeAll(async () => {
  fake = await FakeDiscord.start();
  app = (await startRuntime(testConfig({ ...discordEnv(fake), FEED_API_TOKEN: 'feed-token-feed-token-123', BACKFILL_AGE_DAYS: '0' }), {
    web: true,
    workers: true,
    log: createLogger('silent'),
  })) as Runtime & { url: string };
});
afterAll(async () => {
  await app.close();
  await fake.close();
  await db.destroy();
});

async function discordInfluencer() {
  const guild = newGuild();
  const who = guild.member();
  const handle = unique('dn');
  const answer = await slash(app.url, fake, who, 'storefront', 'setup', { handle, 'tracking-id': `${handle}-20` });
  expect(answer.visible).toContain('Storefront created');
  return { who, handle, tag: `${handle}-20` };
}

/** A report of the organisation that holds `tag` (the operator's token names it). */
const postReport = async (csv: string, tag: string) =>
  postFeed(app, csv, { token: 'feed-token-feed-token-123', organisationId: await organisationOfTrackingId(app, tag) });

const row = (tag: string, asin: string, fees: string) => `Toys & Games,Kite,${asin},Amazon.com,${tag},2022-09-02 10:00:00,10.00,1,0,10.00,${fees},DESKTOP`;

describe('when an influencer set up from Discord earns commission', () => {
  it('then they get one Discord DM with the totals, delivered once even after a 429', async () => {
    const { who, tag, handle } = await discordInfluencer();
    fake.rateLimit(/^\/channels\/\d+\/messages$/, 1, { method: 'POST' });
    await postReport(earningsCsv(['2022-09-01', '2022-09-30'], [row(tag, 'B0DISCNT01', '2.50'), row(tag, 'B0DISCNT02', '1.25')]), tag);
    const dm = await fake.waitForCall('POST', /^\/users\/@me\/channels$/, 10_000);
    expect(dm.body).toMatchObject({ recipient_id: who.userId });
    const sent = await waitFor(
      async () => fake.callsTo('POST', /^\/channels\/\d+\/messages$/).filter((c) => c.status === 200),
      (c) => c.length >= 1,
      15_000,
    );
    const text = JSON.stringify(sent[0]!.body);
    expect(text).toContain(`New commission for @${handle}`);
    expect(text).toContain('$3.75');
    await queuesSettled(app.queues, ['notify']);
    const posts = fake.callsTo('POST', /^\/channels\/\d+\/messages$/);
    expect(posts.filter((c) => c.status === 429)).toHaveLength(1);
    expect(posts.filter((c) => c.status === 200)).toHaveLength(1);
    expect(posts.find((c) => c.status === 200)!.at - posts.find((c) => c.status === 429)!.at).toBeGreaterThanOrEqual(950);
  });

  it('then a retry after a crash mid-send is answered with the first message, not a second one', async () => {
    const { tag, handle } = await discordInfluencer();
    await app.queues.notify.pause();
    let key = '';
    let userId = '';
    try {
      const ingestId = await postReport(earningsCsv(['2022-11-01', '2022-11-30'], [row(tag, 'B0DISCNT04', '1.10')]), tag);
      const { id } = await db.selectFrom('influencers').select('id').where('handle', '=', handle).executeTakeFirstOrThrow();
      key = `commission:${ingestId}:${id}`;
      // The crash: a first attempt reached Discord (same nonce) and the worker died before recording it.
      const { createDiscordSender } = await import('../../bots/discord/sender.ts');
      const { claimNews } = await import('../../src/domain/notifications/commissionNotice.ts');
      await claimNews(db, id, key);
      await db.updateTable('notification_deliveries').set({ attempts: 1 }).where('key', '=', key).execute();
      const who = await db.selectFrom('platform_identities').select('user_id').where('influencer_id', '=', id).executeTakeFirstOrThrow();
      userId = who.user_id;
      await createDiscordSender({ token: 'fake-discord-bot-token', apiUrl: fake.apiUrl }).sendToUser(
        who.user_id,
        C.card({ visibility: 'channel' }, [C.text('first attempt')]),
        { idempotencyKey: key },
      );
    } finally {
      await app.queues.notify.resume();
    }
    const done = await waitFor(
      () => db.selectFrom('notification_deliveries').select(['status', 'message_id']).where('key', '=', key).executeTakeFirstOrThrow(),
      (r) => r.status === 'sent',
      10_000,
    );
    const created = fake.callsTo('POST', /^\/channels\/\d+\/messages$/).filter((c) => c.status === 200 && JSON.stringify(c.body).includes('first attempt'));
    expect(created).toHaveLength(1);
    // One message exists in their DM channel: the retry got the first one back instead of posting another.
    const inDm = [...fake.nonces.entries()].filter(([k]) => k.startsWith(`9${userId}:`));
    expect(inDm).toHaveLength(1);
    expect(done.message_id).toBe(inDm[0]![1].id);
  });

  it('then closed DMs end the job and mark the destination broken', async () => {
    const { tag, handle } = await discordInfluencer();
    fake.fail({ method: 'POST', path: /^\/users\/@me\/channels$/, status: 403, body: { code: 50007, message: 'Cannot send messages to this user' } });
    await postReport(earningsCsv(['2022-10-01', '2022-10-31'], [row(tag, 'B0DISCNT03', '1.00')]), tag);
    const { id } = await db.selectFrom('influencers').select('id').where('handle', '=', handle).executeTakeFirstOrThrow();
    const pref = await waitFor(
      () => db.selectFrom('notification_preferences').select(['broken_reason']).where('influencer_id', '=', id).executeTakeFirst(),
      (r) => Boolean(r?.broken_reason),
      10_000,
    );
    expect(pref?.broken_reason).toMatch(/direct messages/);
  });
});
