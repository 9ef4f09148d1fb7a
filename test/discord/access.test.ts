// Each Discord guild belongs to one organisation: members of another guild never see or change its data.
// In direct messages a person reaches only their own storefront, and no manager command.
import { afterAll, describe, expect, it } from 'vitest';
import { testDb, unique } from '../support/env.ts';
import { organisationOf, randomAsin } from '../support/fixtures.ts';
import { inDm, newGuild, slash, snowflake, useDiscordApp, type Who } from './helpers.ts';

const db = testDb();
afterAll(() => db.destroy());
const app = useDiscordApp();

const run = (who: Who, command: string, sub?: string, values: Record<string, string | number> = {}) => slash(app.rt.url, app.fake, who, command, sub, values);

/** An influencer in a fresh guild with one product and one confirmed commission of $987.65. */
async function influencerWithEarnings() {
  const guild = newGuild();
  const who = guild.admin();
  const handle = unique('ag');
  await run(who, 'storefront', 'setup', { handle, 'tracking-id': `${handle}-20` });
  const asin = randomAsin();
  await run(who, 'storefront', 'add', { product: asin });
  const influencer = await db.selectFrom('influencers').select(['id', 'organisation_id']).where('handle', '=', handle).executeTakeFirstOrThrow();
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
      asin,
      product_name: 'Secret earner',
      category: 'Home',
      occurred_at: new Date(Date.now() - 3_600_000),
      quantity: 1,
      amount_minor: 98765,
      currency: 'USD',
      ingest_id: null,
      link_id: null,
      reverses_entry_id: null,
    })
    .execute();
  return { guild, who, handle, asin, influencer };
}

async function holdings(organisationId: number) {
  const influencers = await db.selectFrom('influencers').select(['id', 'handle']).where('organisation_id', '=', organisationId).orderBy('id').execute();
  const ids = influencers.map((i) => i.id);
  const items = ids.length
    ? await db
        .selectFrom('storefront_items as si')
        .innerJoin('storefronts as s', 's.id', 'si.storefront_id')
        .select(['si.product_id', 'si.list_id'])
        .where('s.influencer_id', 'in', ids)
        .orderBy('si.id')
        .execute()
    : [];
  return { influencers: influencers.map((i) => i.handle), items };
}

describe('when a member of another guild tries to reach an organisation’s data', () => {
  it('then they see and change nothing of it, admins included', async () => {
    const a = await influencerWithEarnings();
    const before = await holdings(a.influencer.organisation_id);
    expect(before.items).toHaveLength(1);

    const guildB = newGuild();
    for (const who of [guildB.member(), guildB.admin()]) {
      const shown = await run(who, 'storefront', 'show');
      expect(shown.visible).toContain('You have no storefront yet');
      expect(shown.visible).not.toContain(a.handle);
      expect((await run(who, 'storefront', 'remove', { asin: a.asin })).visible).toContain('You have no storefront yet');
      expect((await run(who, 'link', undefined, { product: a.asin })).visible).toContain('You have no storefront yet');
      expect((await run(who, 'storefront', 'setup', { handle: a.handle, 'tracking-id': `${unique('x')}-20` })).visible).toContain(
        `The handle @${a.handle} is already taken.`,
      );
    }
    const team = await run(guildB.admin(), 'earnings', undefined, { period: 'all', scope: 'team' });
    expect(team.visible).toContain('No earnings have been ingested for Your team yet.');
    expect(team.visible).not.toContain('987.65');
    const digest = await run(guildB.admin(), 'digest', 'now');
    expect(digest.visible).toContain('No influencers in your team yet.');
    expect(digest.visible).not.toContain(a.handle);

    expect(await holdings(a.influencer.organisation_id)).toEqual(before);
    const orgB = (await db.selectFrom('discord_guilds').select('organisation_id').where('guild_id', '=', guildB.guildId).executeTakeFirstOrThrow())
      .organisation_id;
    expect(orgB).not.toBe(a.influencer.organisation_id);
    expect(await holdings(orgB)).toEqual({ influencers: [], items: [] });
    expect((await run(a.who, 'earnings', undefined, { period: 'all' })).visible).toContain('$987.65');
  });

  it('then a forged identity row pointing at their influencer is refused in a guild and in DMs', async () => {
    const a = await influencerWithEarnings();
    const outsider = newGuild().member();
    await run(outsider, 'storefront', 'help');
    await db
      .updateTable('platform_identities')
      .set({ influencer_id: a.influencer.id })
      .where('platform', '=', 'discord')
      .where('user_id', '=', outsider.userId)
      .execute();
    expect((await run(outsider, 'storefront', 'show')).visible).toContain('You have no storefront yet');
    expect((await run(outsider, 'earnings', undefined, { period: 'all' })).visible).not.toContain('987.65');
    const dm = await run(inDm(outsider), 'storefront', 'show');
    expect(dm.visible).toContain('In direct messages I can only help with your own storefront');
    expect(dm.visible).not.toContain(a.handle);
  });
});

describe('when an influencer writes to the bot in a direct message', () => {
  it('then their own storefront, links and earnings work there, and manager commands are refused', async () => {
    const a = await influencerWithEarnings();
    const dm = inDm(a.who);
    const shown = await run(dm, 'storefront', 'show');
    expect(shown.message.embeds![0]!.title).toBe(`@${a.handle}'s storefront`);
    expect(shown.visible).toContain(`http://links.test/s/${a.handle}`);
    expect(shown.visible).toContain(a.asin);
    const link = await run(dm, 'link', undefined, { product: a.asin });
    expect(link.visible).toMatch(/http:\/\/links\.test\/l\/[0-9A-Za-z]{8}/);
    const earnings = await run(dm, 'earnings', undefined, { period: 'all' });
    expect(earnings.ephemeral).toBe(true);
    expect(earnings.visible).toContain('$987.65');

    // They administer their guild, but a DM has no guild to say so.
    for (const [command, sub, values] of [
      ['digest', 'now', {}],
      ['digest', 'subscribe', {}],
      ['storefront', 'autolink', { state: 'on' }],
    ] as const) {
      const r = await run(dm, command, sub, values);
      expect(r.ephemeral).toBe(true);
      expect(r.visible).toContain('Only managers');
    }
    expect((await run(dm, 'earnings', undefined, { scope: 'team' })).visible).toContain('Only managers can see the whole team’s earnings.');
    expect((await run(dm, 'storefront', 'notify', { where: 'here' })).visible).toContain('Run /storefront notify here in the channel');
    expect(await db.selectFrom('digest_subscriptions').select('id').where('organisation_id', '=', a.influencer.organisation_id).execute()).toEqual([]);
  });

  it('then someone without a storefront is told where to start, and nothing is created for them', async () => {
    const stranger: Who = { userId: snowflake() };
    const r = await run(stranger, 'storefront', 'setup', { handle: unique('dm'), 'tracking-id': `${unique('dm')}-20` });
    expect(r.ephemeral).toBe(true);
    expect(r.visible).toContain('In direct messages I can only help with your own storefront');
    expect(await db.selectFrom('platform_identities').select('id').where('user_id', '=', stranger.userId).execute()).toEqual([]);
  });
});
