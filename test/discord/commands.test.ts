// Slash commands through the real server: signed interactions in, embeds out (directly, or edited into
// @original on the fake Discord API when deferred). Every command's happy path and its usage error.
import { afterAll, describe, expect, it } from 'vitest';
import { testDb, unique } from '../support/env.ts';
import { organisationOf, randomAsin } from '../support/fixtures.ts';
import { commandInteraction, inDm, newGuild, PERMISSIONS, postInteraction, slash, snowflake, useDiscordApp, type Who } from './helpers.ts';

const db = testDb();
afterAll(() => db.destroy());
const app = useDiscordApp();

const run = (who: Who, command: string, sub?: string, values: Record<string, string | number> = {}) => slash(app.rt.url, app.fake, who, command, sub, values);

async function setUp(who: Who = newGuild().member()) {
  const handle = unique('dc');
  const r = await run(who, 'storefront', 'setup', { handle, 'tracking-id': `${handle}-20` });
  expect(r.visible).toContain('Storefront created');
  return { who, handle };
}

async function organisationOfGuild(guildId: string) {
  return (await db.selectFrom('discord_guilds').select('organisation_id').where('guild_id', '=', guildId).executeTakeFirstOrThrow()).organisation_id;
}

describe('when an influencer uses /storefront in Discord', () => {
  it('then setup creates the storefront in the guild’s organisation and answers privately with its URL and a link button', async () => {
    const guild = newGuild();
    const who = guild.member();
    const handle = unique('dc');
    const r = await run(who, 'storefront', 'setup', { handle, 'tracking-id': `${handle}-21`, marketplace: 'UK' });
    expect(r.type).toBe(4);
    expect(r.ephemeral).toBe(true);
    expect(r.message.allowed_mentions).toEqual({ parse: [] });
    expect(r.message.embeds![0]!.title).toBe('Storefront created');
    expect(r.visible).toContain(`http://links.test/s/${handle}`);
    expect(r.visible).toContain(`${handle}-21 (amazon.co.uk)`);
    expect(r.message.components).toEqual([{ type: 1, components: [{ type: 2, style: 5, label: 'Open storefront', url: `http://links.test/s/${handle}` }] }]);
    const inf = await db.selectFrom('influencers').select('organisation_id').where('handle', '=', handle).executeTakeFirstOrThrow();
    expect(inf.organisation_id).toBe(await organisationOfGuild(guild.guildId));
  });

  it('then add (with a list), show, notify and remove work, and show links each product with its short link', async () => {
    const { who, handle } = await setUp();
    const asin = randomAsin();
    const added = await run(who, 'storefront', 'add', { product: `https://www.amazon.com/dp/${asin}?tag=thief-20&th=1`, list: 'Desk setup' });
    expect(added.visible).toContain(`Added Amazon product ${asin} to “Desk setup”.`);
    expect(added.visible).toMatch(/Short link\nhttp:\/\/links\.test\/l\/[0-9A-Za-z]{8}/);

    const shown = await run(who, 'storefront', 'show');
    expect(shown.message.embeds![0]!.title).toBe(`@${handle}'s storefront`);
    const list = shown.message.embeds![0]!.fields!.find((f) => f.name === 'Desk setup')!;
    expect(list.value).toMatch(new RegExp(`^• \\[Amazon product ${asin}\\]\\(http://links\\.test/l/[0-9A-Za-z]{8}\\) — ${asin}$`));

    const here = await run({ ...who, channelId: '3000000000000000777' }, 'storefront', 'notify', { where: 'here' });
    expect(here.visible).toContain('Commission notifications will be posted in this channel.');
    const pref = await db
      .selectFrom('notification_preferences as n')
      .innerJoin('influencers as i', 'i.id', 'n.influencer_id')
      .select(['n.destination', 'n.channel_id', 'n.platform', 'n.workspace_id', 'n.user_id'])
      .where('i.handle', '=', handle)
      .executeTakeFirstOrThrow();
    expect(pref).toEqual({ destination: 'channel', channel_id: '3000000000000000777', platform: 'discord', workspace_id: who.guildId, user_id: who.userId });
    expect((await run(inDm(who), 'storefront', 'notify', { where: 'here' })).visible).toContain(
      'Run /storefront notify here in the channel where notifications should go.',
    );
    expect((await run(who, 'storefront', 'notify', { where: 'dm' })).visible).toContain('as a direct message');

    expect((await run(who, 'storefront', 'remove', { asin })).visible).toContain(`Removed ${asin} from your storefront.`);
    expect((await run(who, 'storefront', 'show')).visible).toContain('No products yet.');
    const help = await run(who, 'storefront', 'help');
    expect(help.visible).toContain('/storefront link-account [code]');
  });

  it('then usage mistakes answer privately with the usage line and change nothing', async () => {
    const who = newGuild().member();
    const handle = unique('bad');
    const missing = await run(who, 'storefront', 'setup', { handle });
    expect(missing.ephemeral).toBe(true);
    expect(missing.message.embeds![0]).toMatchObject({ color: 0xed4245, description: expect.stringMatching(/^❌ \*\*Error:\*\* Missing tracking\\-id/) });
    expect(missing.message.embeds![0]!.footer!.text).toBe('Usage: /storefront setup <handle> <tracking-id> [marketplace]');
    const badChoice = await run(who, 'storefront', 'notify', { where: 'somewhere' });
    expect(badChoice.visible).toContain('where must be one of: dm, here, off.');
    const bad = await run(who, 'storefront', 'setup', { handle: '😀shop😀', 'tracking-id': 'shop-20' });
    expect(bad.visible).toContain('A handle is 1 to 32 characters');
    expect(await db.selectFrom('influencers').select('id').where('handle', 'in', [handle, '😀shop😀']).execute()).toEqual([]);
    // A /storefront without a subcommand (an outdated registration) gets the help.
    const bare = await postInteraction(app.rt.url, JSON.stringify(commandInteraction(who, 'storefront', undefined, {})));
    expect(bare.status).toBe(200);
    expect(JSON.stringify(bare.json)).toContain('/storefront setup');
  });
});

describe('when someone uses /link, /earnings and /digest in Discord', () => {
  it('then /link answers privately with the short link ready to paste and where it goes; a bad product gets the usage line', async () => {
    const { who, handle } = await setUp();
    const asin = randomAsin();
    const r = await run(who, 'link', undefined, { product: `https://www.amazon.com/Logitech/dp/${asin}/ref=x?tag=thief-20`, campaign: 'tiktok' });
    expect(r.ephemeral).toBe(true);
    // The short link is the message's own text, outside the embed, so a long press copies it alone.
    expect(r.message.content).toMatch(/^http:\/\/links\.test\/l\/[0-9A-Za-z]{8}$/);
    expect(r.visible).toContain(`https://www.amazon.com/dp/${asin}?tag=${handle}-20`);
    expect(r.visible).toContain('Campaign\ntiktok');
    const bad = await run(who, 'link', undefined, { product: 'https://example.com/dp/nothing' });
    expect(bad.ephemeral).toBe(true);
    expect(bad.visible).toContain('That is not an Amazon product.');
    const missing = await run(who, 'link', undefined, {});
    expect(missing.visible).toContain('Missing product');
    expect(missing.message.embeds![0]!.footer!.text).toBe('Usage: /link <product> [campaign]');
  });

  it('then /earnings is private, says plainly when nothing was ingested, shows the figures once there are some, and refuses a bad period', async () => {
    const { who, handle } = await setUp();
    const none = await run(who, 'earnings', undefined, {});
    expect(none.ephemeral).toBe(true);
    expect(none.visible).toContain(`No earnings have been ingested for @${handle} yet.`);
    const influencer = await db.selectFrom('influencers').select('id').where('handle', '=', handle).executeTakeFirstOrThrow();
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
        asin: 'B0DISCRD01',
        product_name: 'Desk *lamp*',
        category: 'Home',
        occurred_at: new Date(Date.now() - 86_400_000),
        quantity: 2,
        amount_minor: 1234,
        currency: 'USD',
        ingest_id: null,
        link_id: null,
        reverses_entry_id: null,
      })
      .execute();
    const r = await run(who, 'earnings', undefined, { period: '7d' });
    expect(r.ephemeral).toBe(true);
    expect(r.message.embeds![0]!.title).toBe('Earnings · Last 7 days');
    expect(r.visible).toContain('Confirmed\n$12.34');
    expect(r.visible).toContain('Desk *lamp* — $12.34 · 2 items');
    expect(r.visible).toContain('Times in UTC.');
    const bad = await run(who, 'earnings', undefined, { period: 'lastweek' });
    expect(bad.ephemeral).toBe(true);
    expect(bad.visible).toContain('"lastweek" is not a period.');
    expect(bad.message.embeds![0]!.footer!.text).toBe('Usage: /earnings [period] [me|team]');
  });

  it('then /digest works for members with Manage Server or Administrator, is refused to others, and grant/revoke take a user option', async () => {
    const guild = newGuild();
    const { handle } = await setUp(guild.member());
    const admin = guild.admin();
    const now = await run(admin, 'digest', 'now');
    expect(now.ephemeral).toBe(true);
    // The title is escaped markdown (a date's dashes too); what the person reads is the date.
    expect(now.visible.split('\n')[0]).toMatch(/^Team digest · \d{4}-\d{2}-\d{2}$/);
    // A roster with nothing yesterday gets the short quiet-day card (the influencer is counted, not listed).
    expect(now.visible).toContain('Quiet day: no clicks, orders or commission on');
    expect(now.visible).toContain('across 1 influencer');
    expect(handle).toBeTruthy();
    expect((await run(admin, 'digest', 'subscribe', { time: '08:30', timezone: 'Europe/Berlin' })).visible).toContain('every day at 08:30 (Europe/Berlin)');
    expect((await run(admin, 'digest', 'off')).visible).toContain('Daily digest stopped.');
    expect((await run(admin, 'digest', 'subscribe', { time: '25:00' })).message.embeds![0]!.footer!.text).toBe('Usage: /digest subscribe [time] [timezone]');

    const serverManager = guild.member({ permissions: PERMISSIONS.manageGuild });
    expect((await run(serverManager, 'digest', 'now')).visible).toContain('Team digest');

    const member = guild.member();
    const refused = await run(member, 'digest', 'now');
    expect(refused.ephemeral).toBe(true);
    expect(refused.visible).toContain('Only managers');
    expect(
      await db
        .selectFrom('digest_subscriptions')
        .select('id')
        .where('organisation_id', '=', await organisationOfGuild(guild.guildId))
        .where('enabled', '=', true)
        .execute(),
    ).toEqual([]);

    // A manager grants a member (a Discord user option: the value is the user id), and takes it back.
    const granted = await run(admin, 'digest', 'grant', { user: member.userId });
    expect(granted.visible).toContain('They can now see team figures');
    expect((await run(member, 'digest', 'now')).visible).toContain('Team digest');
    await run(admin, 'digest', 'revoke', { user: member.userId });
    expect((await run(member, 'digest', 'now')).visible).toContain('Only managers');
    // A forged permission string is no permission at all.
    expect((await run(guild.member({ permissions: 'all' }), 'digest', 'now')).visible).toContain('Only managers');
  });

  it('then /storefront autolink is for managers, in a channel, and stores the channel for the guild', async () => {
    const guild = newGuild();
    const channelId = snowflake();
    const member = guild.member({ channelId });
    expect((await run(member, 'storefront', 'autolink', { state: 'on' })).visible).toContain('Only managers');
    const admin = { ...guild.admin(), channelId };
    expect((await run(admin, 'storefront', 'autolink', { state: 'on' })).visible).toContain('Auto-linking is on in this channel');
    expect((await run(admin, 'storefront', 'autolink', { state: 'on' })).visible).toContain('It already was; nothing changed.');
    const stored = async () =>
      (await db.selectFrom('discord_guilds').select('gateway_channel_ids').where('guild_id', '=', guild.guildId).executeTakeFirstOrThrow()).gateway_channel_ids;
    expect(await stored()).toEqual([channelId]);
    expect((await run(admin, 'storefront', 'autolink', { state: 'off' })).visible).toContain('Auto-linking is off in this channel.');
    expect(await stored()).toEqual([]);
    expect((await run(admin, 'storefront', 'autolink', { state: 'sometimes' })).visible).toContain('state must be one of: on, off.');
  });
});
