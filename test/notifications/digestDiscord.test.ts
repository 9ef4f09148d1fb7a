// Managers' digest delivered to Discord end to end: a manager subscribes with the signed /digest subscribe
// interaction, the digest tick finds the subscription due, and the digest job posts one message in the
// manager's DM channel on the fake Discord API, with the chart PNG and the CSV attached as multipart files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dueDigests } from '../../jobs/digest/dueDigests.ts';
import { digestTickProcessor } from '../../jobs/digest/processor.ts';
import { addDays, localDate, zonedTime } from '../../src/domain/common/time.ts';
import { createLogger } from '../../src/log.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { addClicks, addLedger } from '../digest/seed.ts';
import { discordEnv, newGuild, slash, visibleText, type DiscordMessageLike } from '../discord/helpers.ts';
import { testConfig, testDb, unique } from '../support/env.ts';
import { FakeDiscord } from '../support/fakeDiscord.ts';
import { randomAsin } from '../support/fixtures.ts';
import { queuesSettled } from '../support/queues.ts';
import { waitFor } from '../support/wait.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const TZ = 'UTC';

const db = testDb();
let fake: FakeDiscord;
let app: Runtime & { url: string };

beforeAll(async () => {
  fake = await FakeDiscord.start();
  app = (await startRuntime(testConfig(discordEnv(fake)), { web: true, workers: true, log: createLogger('silent') })) as Runtime & { url: string };
  // The test runs the tick itself, at the instant it chooses. This runtime's own every-minute tick would also
  // queue other test files' due Slack digests, which a Discord-only worker cannot deliver and would mark failed.
  await app.queues['digest-tick'].removeJobScheduler('digest-tick');
});
afterAll(async () => {
  await app?.close();
  await fake?.close();
  await db.destroy();
});

/** The start of a minute a little ahead (HH:MM in TZ), on today's local date: the subscription's time. */
async function aTimeAhead(): Promise<{ at: Date; hhmm: string; today: string }> {
  for (;;) {
    const now = new Date();
    const at = new Date(Math.floor(now.getTime() / 60_000) * 60_000 + 2 * 60_000);
    const today = localDate(now, TZ);
    if (localDate(at, TZ) === today) {
      const hhmm = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
      return { at, hhmm, today };
    }
    // Two minutes before midnight: wait for the new day rather than subscribe across it.
    await new Promise((r) => setTimeout(r, at.getTime() - now.getTime()));
  }
}

/** A guild with an influencer (set up through Discord) who earned and was clicked yesterday, and its admin. */
async function guildWithEarnings(yesterday: string) {
  const guild = newGuild();
  const manager = guild.admin();
  const influencer = guild.member();
  const handle = unique('dd');
  expect((await slash(app.url, fake, influencer, 'storefront', 'setup', { handle, 'tracking-id': `${handle}-20` })).visible).toContain('Storefront created');
  const asin = randomAsin();
  expect((await slash(app.url, fake, influencer, 'link', undefined, { product: asin })).visible).toMatch(/http:\/\/links\.test\/l\/[0-9A-Za-z]{8}/);
  const inf = await db.selectFrom('influencers').select(['id', 'organisation_id']).where('handle', '=', handle).executeTakeFirstOrThrow();
  const link = await db.selectFrom('links').select('id').where('influencer_id', '=', inf.id).executeTakeFirstOrThrow();
  await addLedger(db, { influencerId: inf.id, trackingId: `${handle}-20`, asin }, [
    { kind: 'confirmed', amount: 4321, at: zonedTime(yesterday, TZ, 12, 0), productName: 'Digest kettle' },
    { kind: 'pending', amount: 500, at: zonedTime(yesterday, TZ, 13, 0), productName: 'Digest kettle' },
  ]);
  await addClicks(db, link.id, zonedTime(yesterday, TZ, 10, 0), 3);
  return { manager, influencer, handle, organisationId: inf.organisation_id };
}

/** The CSV's row for a handle, as column → value (no quoted fields in these rows). */
function csvRow(csv: string, handle: string): Record<string, string> {
  const [header, ...rows] = csv.trim().split(/\r?\n/);
  const cols = header!.split(',');
  const row = rows.find((r) => r.split(',')[1] === handle);
  if (!row) throw new Error(`no CSV row for ${handle} in:\n${csv}`);
  const cells = row.split(',');
  return Object.fromEntries(cols.map((c, i) => [c, cells[i]!]));
}

describe('when a Discord manager subscribes to the digest', () => {
  it('then the tick sends one digest to their DM channel with the figures, the PNG chart and the CSV, and never a second', async () => {
    const { at, hhmm, today } = await aTimeAhead();
    const yesterday = addDays(today, -1);
    const { manager, handle, organisationId } = await guildWithEarnings(yesterday);

    // /digest now shows the same figures at once, as a private answer with the same chart (in the embed) and CSV.
    const now = await slash(app.url, fake, manager, 'digest', 'now');
    expect(now.ephemeral).toBe(true);
    expect(now.visible.split('\n')[0]).toBe(`Team digest · ${yesterday}`);
    expect(now.visible).toContain(`@${handle}`);
    expect(now.visible).toContain('$43.21');
    expect((now.message as { embeds: Array<{ image?: { url: string } }> }).embeds[0]!.image).toEqual({ url: `attachment://digest-${yesterday}.png` });
    expect(now.files.map((f) => [f.name, f.contentType])).toEqual([
      [`digest-${yesterday}.png`, 'image/png'],
      [`digest-${yesterday}.csv`, 'text/csv'],
    ]);
    expect(now.files[0]!.data.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(csvRow(now.files[1]!.data.toString('utf8'), handle)).toMatchObject({ handle, confirmed_yesterday_USD: '43.21' });

    // Subscribed through the signed interaction, for a time a minute or two from now.
    const subscribed = await slash(app.url, fake, manager, 'digest', 'subscribe', { time: hhmm, timezone: TZ });
    expect(subscribed.visible).toContain(`every day at ${hhmm} (${TZ})`);
    const sub = await db
      .selectFrom('digest_subscriptions as s')
      .innerJoin('platform_identities as p', 'p.id', 's.identity_id')
      .select(['s.id', 's.enabled', 's.channel_id', 's.last_sent_local_date', 'p.platform', 'p.user_id'])
      .where('s.organisation_id', '=', organisationId)
      .executeTakeFirstOrThrow();
    expect(sub).toMatchObject({ enabled: true, channel_id: null, last_sent_local_date: null, platform: 'discord', user_id: manager.userId });
    const dmChannel = `9${manager.userId}`; // the id the fake gives the manager's DM channel
    const posts = () => fake.callsTo('POST', new RegExp(`^/channels/${dmChannel}/messages$`));

    // Not due before its time.
    expect((await dueDigests(db, new Date())).map((d) => d.subscriptionId)).not.toContain(sub.id);

    // The tick at the subscription's time queues it; the digest job sends it.
    const tick = digestTickProcessor({ db, queues: app.queues, now: () => at });
    await tick();
    const dm = await fake.waitForCall('POST', /^\/users\/@me\/channels$/, 10_000);
    expect(fake.callsTo('POST', /^\/users\/@me\/channels$/).map((c) => c.body)).toContainEqual({ recipient_id: manager.userId });
    expect(dm.status).toBe(200);
    const [sent] = await waitFor(
      async () => posts(),
      (p) => p.length >= 1,
      15_000,
    );
    expect(sent!.status).toBe(200);
    expect(sent!.auth).toBe('Bot fake-discord-bot-token');

    const body = sent!.body as DiscordMessageLike & { attachments?: unknown; nonce?: string; enforce_nonce?: boolean };
    expect((body.flags ?? 0) & 64).toBe(0); // a posted message, not an ephemeral answer
    const text = visibleText(body);
    expect(text.split('\n')[0]).toBe(`Team digest · ${yesterday}`);
    expect(text).toContain(`@${handle}`);
    expect(text).toContain('Confirmed yesterday\n$43.21');
    expect(text).toContain('$5.00 pending');
    expect(text).toMatch(/Clicks yesterday\n3 \(/);
    expect(text).toContain('the CSV has the full table');
    expect(body.embeds![0]).toMatchObject({ image: { url: `attachment://digest-${yesterday}.png` } });
    expect(body.enforce_nonce).toBe(true);

    // Both files, as multipart parts named in payload_json's attachments.
    expect(body.attachments).toEqual([
      { id: 0, filename: `digest-${yesterday}.png` },
      { id: 1, filename: `digest-${yesterday}.csv` },
    ]);
    expect(sent!.files.map((f) => [f.field, f.name, f.contentType])).toEqual([
      ['files[0]', `digest-${yesterday}.png`, 'image/png'],
      ['files[1]', `digest-${yesterday}.csv`, 'text/csv'],
    ]);
    const [png, csv] = sent!.files;
    expect(png!.data.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(png!.data.readUInt32BE(16)).toBeGreaterThan(0); // IHDR width
    const row = csvRow(csv!.data.toString('utf8'), handle);
    expect(row).toMatchObject({ handle, confirmed_yesterday_USD: '43.21', pending_yesterday_USD: '5.00', clicks_yesterday: '3' });

    // Recorded as sent, for today (once the job has finished: the message is posted just before).
    const delivery = await waitFor(
      () =>
        db
          .selectFrom('notification_deliveries')
          .select(['status', 'platform', 'message_id'])
          .where('key', '=', `digest:${sub.id}:${today}`)
          .executeTakeFirstOrThrow(),
      (d) => d.status !== 'claimed',
      10_000,
    );
    expect(delivery).toMatchObject({ status: 'sent', platform: 'discord', message_id: expect.stringMatching(/^\d{15,}$/) });
    expect(
      (await db.selectFrom('digest_subscriptions').select('last_sent_local_date').where('id', '=', sub.id).executeTakeFirstOrThrow()).last_sent_local_date,
    ).toBe(today);

    // The tick again (now, and a minute later) queues nothing for it; the same digest job run again (a retry,
    // another worker) finds it sent. Still one message.
    const later = new Date(at.getTime() + 60_000);
    expect((await dueDigests(db, at)).map((d) => d.subscriptionId)).not.toContain(sub.id);
    expect((await dueDigests(db, later)).map((d) => d.subscriptionId)).not.toContain(sub.id);
    await tick();
    await digestTickProcessor({ db, queues: app.queues, now: () => later })();
    const again = await app.queues.digest.add('digest', { subscriptionId: sub.id, localDate: today }, { jobId: unique('digest-again') });
    const result = await waitFor(
      async () => ({ state: await again.getState(), value: (await app.queues.digest.getJob(again.id!))?.returnvalue }),
      (r) => r.state === 'completed' || r.state === 'failed',
      10_000,
    );
    expect(result).toEqual({ state: 'completed', value: { skipped: 'already sent' } });
    await queuesSettled(app.queues, ['digest']);
    expect(posts()).toHaveLength(1);
    expect(fake.callsTo('POST', /^\/channels\/\d+\/messages$/).filter((c) => JSON.stringify(c.body).includes(`@${handle}`))).toHaveLength(1);
  }, 200_000);
});
