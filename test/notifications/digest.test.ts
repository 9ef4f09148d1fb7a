import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestTickProcessor } from '../../jobs/digest/processor.ts';
import { createLogger } from '../../src/log.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { addDays, localDate, zonedTime } from '../../src/domain/common/time.ts';
import { testConfig, testDb, unique } from '../support/env.ts';
import { FakeSlack } from '../support/fakeSlack.ts';
import { queuesSettled } from '../support/queues.ts';
import { waitFor } from '../support/wait.ts';
import { newTeam, SIGNING_SECRET, slash } from '../slack/helpers.ts';
import { organisationOf } from '../support/fixtures.ts';

const db = testDb();
let fake: FakeSlack;
let app: Runtime & { url: string };
let config: ReturnType<typeof testConfig>;

beforeAll(async () => {
  fake = await FakeSlack.start();
  // Slack shows pictures from https URLs only, as a deployed PUBLIC_BASE_URL is.
  config = testConfig({
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-digest',
    SLACK_API_URL: fake.apiUrl,
    PUBLIC_BASE_URL: 'https://links.test',
  });
  app = (await startRuntime(config, { web: true, workers: true, log: createLogger('silent') })) as Runtime & { url: string };
});
afterAll(async () => {
  await app.close();
  await fake.close();
  await db.destroy();
});

/** A team with one influencer who earned yesterday (in the manager's zone), and a subscribed manager. */
async function teamWithDigest(tz: string) {
  const team = newTeam();
  const manager = team.member();
  fake.setUser(manager.user, { admin: true, tz });
  const influencer = team.member();
  const handle = unique('dg');
  await slash(app.url, fake, influencer, 'storefront', `setup ${handle} ${handle}-20`);
  const { id } = await db.selectFrom('influencers').select('id').where('handle', '=', handle).executeTakeFirstOrThrow();
  const yesterday = addDays(localDate(new Date(), tz), -1);
  await db
    .insertInto('ledger_entries')
    .values({
      network: 'amazon',
      line_key: unique('k'),
      kind: 'confirmed',
      tracking_id: `${handle}-20`,
      influencer_id: id,
      organisation_id: organisationOf(id),
      marketplace: 'US',
      asin: 'B0DIGEST01',
      product_name: 'Digest pan',
      category: 'Kitchen',
      occurred_at: zonedTime(yesterday, tz, 12, 0),
      quantity: 1,
      amount_minor: 4321,
      currency: 'USD',
      ingest_id: null,
      link_id: null,
      reverses_entry_id: null,
    })
    .execute();
  // Subscribed for an hour ago (local), then made due again for today, as if subscribed yesterday.
  const hourAgo = new Date(Date.now() - 3600_000);
  const sameDay = localDate(hourAgo, tz) === localDate(new Date(), tz);
  const anHourAgo = sameDay
    ? new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(hourAgo)
    : '00:00';
  const { reply } = await slash(app.url, fake, manager, 'digest', `subscribe ${anHourAgo}`);
  expect(JSON.stringify(reply.body)).toContain(`every day at ${anHourAgo} (${tz})`);
  await db
    .updateTable('digest_subscriptions')
    .set({ last_sent_local_date: yesterday, starts_local_date: yesterday })
    .where(
      'organisation_id',
      '=',
      (await db.selectFrom('influencers').select('organisation_id').where('id', '=', id).executeTakeFirstOrThrow()).organisation_id,
    )
    .execute();
  return { manager, handle };
}

const dmsTo = (user: string) => fake.callsTo('chat.postMessage').filter((c) => c.body.channel === `D${user}`);

describe('when the digest tick runs', () => {
  it('then each subscribed manager gets one digest with the figures, the PNG chart inside the message and the CSV', async () => {
    const { manager, handle } = await teamWithDigest('America/Chicago');
    const tick = digestTickProcessor({ db, queues: app.queues });
    await tick();
    const dm = await fake.waitForCall('chat.postMessage', (c) => c.body.channel === `D${manager.user}`, 10_000);
    const text = JSON.stringify(dm.body.blocks);
    expect(text).toContain(`@${handle}`);
    expect(text).toContain('$43.21');
    // The chart is an image block of the message itself, served by the service under PUBLIC_BASE_URL.
    const blocks = (typeof dm.body.blocks === 'string' ? JSON.parse(dm.body.blocks) : dm.body.blocks) as Array<{ type: string; image_url?: string }>;
    const img = blocks.find((b) => b.type === 'image')!;
    expect(img.image_url).toMatch(new RegExp(`^${config.PUBLIC_BASE_URL}/charts/[\\w-]+\\.png\\?exp=\\d+&sig=`));
    const served = await fetch(`${app.url}${new URL(img.image_url!).pathname}${new URL(img.image_url!).search}`);
    expect([served.status, served.headers.get('content-type')]).toEqual([200, 'image/png']);
    expect(Buffer.from(await served.arrayBuffer()).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // The CSV alone goes into the thread.
    await waitFor(
      async () => fake.callsTo('files.completeUploadExternal').filter((c) => c.body.channel_id === `D${manager.user}`).length,
      (n) => n === 1,
      10_000,
    );
    expect(fake.uploads.some((u) => u.data.toString('utf8').includes(handle))).toBe(true); // the CSV names the influencer
    // Ticking again (or from another process) sends nothing more today.
    await tick();
    await tick();
    await queuesSettled(app.queues, ['digest']);
    expect(dmsTo(manager.user)).toHaveLength(1);
  });

  it('then two worker processes still send one digest per manager', async () => {
    const second = await startRuntime(
      testConfig({ SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: 'xoxb-digest', SLACK_API_URL: fake.apiUrl, QUEUE_PREFIX: config.QUEUE_PREFIX }),
      { workers: true, log: createLogger('silent') },
    );
    try {
      const teams = await Promise.all([teamWithDigest('Europe/Berlin'), teamWithDigest('Asia/Tokyo')]);
      await Promise.all([digestTickProcessor({ db, queues: app.queues })(), digestTickProcessor({ db, queues: second.queues })()]);
      for (const t of teams) await fake.waitForCall('chat.postMessage', (c) => c.body.channel === `D${t.manager.user}`, 10_000);
      await queuesSettled(app.queues, ['digest']);
      for (const t of teams) expect(dmsTo(t.manager.user)).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});
