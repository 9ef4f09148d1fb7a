// The same command gives the same facts on Slack and on Discord: one organisation with a Slack workspace and a
// Discord guild, one influencer with a Slack and a Discord account (linked with a code), one manager on each.
// Every request goes through both real endpoints; only the rendering may differ.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, unique } from '../support/env.ts';
import { useBothPlatforms } from '../support/bothPlatforms.ts';
import { randomAsin, organisationOf } from '../support/fixtures.ts';
import { newTeam, type Who as SlackWho } from '../slack/helpers.ts';
import { newGuild, type Who as DiscordWho } from './helpers.ts';

const db = testDb();
afterAll(() => db.destroy());
const { app, onSlack: slackCommand, onDiscord: discordCommand } = useBothPlatforms('xoxb-parity');

const onSlack = async (who: SlackWho, command: string, text: string): Promise<string> => (await slackCommand(who, command, text)).visible;
const onDiscord = async (who: DiscordWho, command: string, sub?: string, values: Record<string, string | number> = {}): Promise<string> =>
  (await discordCommand(who, command, sub, values)).visible;

const all = (re: RegExp, text: string) => [...text.matchAll(re)].map((m) => m[0]);
const shortLinks = (t: string) => all(/http:\/\/links\.test\/l\/[0-9A-Za-z]{8}/g, t);
const storefronts = (t: string) => all(/http:\/\/links\.test\/s\/[a-z0-9_-]+/g, t);
const money = (t: string) => all(/-?\$[\d,]+\.\d{2}/g, t);
const handles = (t: string) => all(/@[a-z0-9_-]{3,}/g, t);

/** One organisation on both platforms, an influencer on both (linked), and an admin on each. */
async function organisationOnBoth() {
  const team = newTeam();
  const slackInfluencer = team.member();
  const slackAdmin = team.member();
  app.slack.setUser(slackInfluencer.user, { tz: 'UTC' });
  app.slack.setUser(slackAdmin.user, { admin: true, tz: 'UTC' });
  const handle = unique('par');
  await onSlack(slackInfluencer, 'storefront', `setup ${handle} ${handle}-20`);
  const organisationId = (await db.selectFrom('slack_workspaces').select('organisation_id').where('team_id', '=', team.team).executeTakeFirstOrThrow())
    .organisation_id;
  // The organisation's Discord server, bound to the same organisation before anyone there typed a command.
  const guild = newGuild();
  await db.insertInto('discord_guilds').values({ guild_id: guild.guildId, organisation_id: organisationId, name: 'Parity server' }).execute();
  const discordInfluencer = guild.member();
  const code = /Your code is ([A-Z0-9]{8})\./.exec(await onSlack(slackInfluencer, 'storefront', 'link-account'))![1]!;
  expect(await onDiscord(discordInfluencer, 'storefront', 'link-account', { code })).toContain('now linked');
  return { handle, slackInfluencer, slackAdmin, discordInfluencer, discordAdmin: guild.admin(), organisationId };
}

let org: Awaited<ReturnType<typeof organisationOnBoth>>;
beforeAll(async () => {
  org = await organisationOnBoth();
});

describe('when the same command runs on Slack and on Discord', () => {
  it('then /storefront add and show give the same storefront URL, lists and short links', async () => {
    const asin = randomAsin();
    const slackAdded = await onSlack(org.slackInfluencer, 'storefront', `add ${asin} Parity list`);
    const discordAdded = await onDiscord(org.discordInfluencer, 'storefront', 'add', { product: asin, list: 'Parity list' });
    expect(slackAdded).toContain(`Added Amazon product ${asin} to “Parity list”.`);
    expect(discordAdded).toContain(`Amazon product ${asin} is already in “Parity list”.`);
    expect(shortLinks(discordAdded)).toEqual(shortLinks(slackAdded));
    expect(storefronts(discordAdded)).toEqual(storefronts(slackAdded));

    const slackShow = await onSlack(org.slackInfluencer, 'storefront', 'show');
    const discordShow = await onDiscord(org.discordInfluencer, 'storefront', 'show');
    expect(storefronts(slackShow)).toContain(`http://links.test/s/${org.handle}`);
    expect(new Set(storefronts(discordShow))).toEqual(new Set(storefronts(slackShow)));
    expect(shortLinks(discordShow)).toEqual(shortLinks(slackShow));
    expect(shortLinks(slackShow)).toHaveLength(1);
    for (const text of [slackShow, discordShow]) expect(text).toContain('Parity list');
  });

  it('then /link gives the same short link and destination', async () => {
    const asin = randomAsin();
    const slack = await onSlack(org.slackInfluencer, 'link', `https://www.amazon.com/dp/${asin} parity`);
    const discord = await onDiscord(org.discordInfluencer, 'link', undefined, { product: asin, campaign: 'parity' });
    expect(shortLinks(slack)).toHaveLength(1);
    expect(shortLinks(discord)).toEqual(shortLinks(slack));
    const destination = `https://www.amazon.com/dp/${asin}?tag=${org.handle}-20`;
    expect(slack).toContain(destination);
    expect(discord).toContain(destination);
  });

  it('then /earnings gives the same figures, products and period', async () => {
    const influencer = await db.selectFrom('influencers').select('id').where('handle', '=', org.handle).executeTakeFirstOrThrow();
    const row = (kind: 'confirmed' | 'pending', amount: number, name: string) => ({
      network: 'amazon',
      line_key: unique('k'),
      kind,
      tracking_id: `${org.handle}-20`,
      influencer_id: influencer.id,
      organisation_id: organisationOf(influencer.id),
      marketplace: 'US',
      asin: 'B0PARITY01',
      product_name: name,
      category: 'Home',
      occurred_at: new Date(Date.now() - 2 * 86_400_000),
      quantity: 1,
      amount_minor: amount,
      currency: 'USD',
      ingest_id: null,
      link_id: null,
      reverses_entry_id: null,
    });
    await db
      .insertInto('ledger_entries')
      .values([row('confirmed', 2500, 'Parity lamp'), row('pending', 730, 'Parity lamp')])
      .execute();
    const slack = await onSlack(org.slackInfluencer, 'earnings', '30d');
    const discord = await onDiscord(org.discordInfluencer, 'earnings', undefined, { period: '30d' });
    expect(money(slack)).toContain('$25.00');
    expect(money(slack)).toContain('$7.30');
    expect(money(discord)).toEqual(money(slack));
    for (const text of [slack, discord]) {
      expect(text).toContain('Earnings · Last 30 days');
      expect(text).toContain('Parity lamp');
      expect(text).toContain('Times in UTC.');
    }
  });

  it('then /digest now gives managers on both the same roster and figures', async () => {
    // Tracking IDs nobody registered come from shared ingests, which other test files add to between the two
    // calls: the team's own part of the digest is what must match.
    const own = (t: string) => t.split('Tracking IDs in feeds that nobody registered')[0]!;
    const slack = own(await onSlack(org.slackAdmin, 'digest', 'now'));
    const discord = own(await onDiscord(org.discordAdmin, 'digest', 'now'));
    expect(handles(slack)).toContain(`@${org.handle}`);
    expect(handles(discord)).toEqual(handles(slack));
    expect(money(discord)).toEqual(money(slack));
    // (Slack names the CSV download in the message; Discord attaches it: file names are not figures.)
    const dates = (t: string) => all(/\d{4}-\d{2}-\d{2}/g, t.replace(/digest-\d{4}-\d{2}-\d{2}\.(?:csv|png)/g, ''));
    expect(dates(discord)).toEqual(dates(slack));
  });

  it('then usage errors read the same, and /storefront autolink says it is Discord-only on Slack', async () => {
    const slack = await onSlack(org.slackInfluencer, 'link', '');
    const discord = await onDiscord(org.discordInfluencer, 'link', undefined, {});
    for (const text of [slack, discord]) {
      expect(text).toContain('Missing product: ASIN or Amazon product link.');
      expect(text).toContain('Usage: /link <product> [campaign]');
    }
    expect(await onSlack(org.slackAdmin, 'storefront', 'autolink on')).toContain('Auto-linking is Discord-only');
    expect(await onDiscord(org.discordAdmin, 'storefront', 'autolink', { state: 'on' })).toContain('Auto-linking is on in this channel');
  });
});
