// Slash commands through the real server: signed requests in, Block Kit out at response_url on the fake Slack.
import { afterAll, describe, expect, it } from 'vitest';
import { upsertProduct } from '../../src/domain/links/products.ts';
import { testDb, unique } from '../support/env.ts';
import { organisationOf, randomAsin } from '../support/fixtures.ts';
import { blockStrings, newTeam, slash, useSlackApp, visibleText, type Who } from './helpers.ts';

const db = testDb();
afterAll(() => db.destroy());
const app = useSlackApp('xoxb-commands');

async function run(who: Who, command: string, text: string) {
  const { http, reply } = await slash(app.rt.url, app.fake, who, command, text);
  expect(http.status).toBe(200);
  return {
    body: reply.body,
    blocks: reply.body.blocks as Array<Record<string, unknown>>,
    visible: visibleText(reply.body.blocks),
    type: reply.body.response_type,
  };
}

async function setUp(who: Who = newTeam().member()) {
  const handle = unique('sl');
  const r = await run(who, 'storefront', `setup ${handle} ${handle}-20`);
  expect(r.visible).toContain('Storefront created');
  return { who, handle };
}

/** What an organisation owns: influencers (by handle), tracking IDs and storefront items. Scoped, so parallel test files do not disturb it. */
async function holdings(organisationId: number) {
  const influencers = await db.selectFrom('influencers').select(['id', 'handle']).where('organisation_id', '=', organisationId).orderBy('id').execute();
  const ids = influencers.map((i) => i.id);
  const tracking = ids.length
    ? await db.selectFrom('tracking_ids').select(['tracking_id', 'marketplace']).where('influencer_id', 'in', ids).orderBy('tracking_id').execute()
    : [];
  const items = ids.length
    ? await db
        .selectFrom('storefront_items as si')
        .innerJoin('storefronts as s', 's.id', 'si.storefront_id')
        .select(['si.product_id', 'si.list_id'])
        .where('s.influencer_id', 'in', ids)
        .orderBy('si.id')
        .execute()
    : [];
  return { influencers: influencers.map((i) => i.handle), tracking, items };
}

async function organisationOfTeam(team: string) {
  return (await db.selectFrom('slack_workspaces').select('organisation_id').where('team_id', '=', team).executeTakeFirstOrThrow()).organisation_id;
}

describe('when an influencer uses /storefront in Slack', () => {
  it('then setup creates the storefront in their workspace’s organisation and answers privately with its URL', async () => {
    const who = newTeam().member();
    const handle = unique('sl');
    const r = await run(who, 'storefront', `setup ${handle} ${handle}-20`);
    expect(r.type).toBe('ephemeral');
    expect(r.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Storefront created', emoji: true } });
    expect(r.visible).toContain(`http://links.test/s/${handle}`);
    expect(r.visible).toContain(`${handle}-20 (amazon.com)`);
    expect(r.body.text).toContain('Storefront created');
    const inf = await db.selectFrom('influencers').select('organisation_id').where('handle', '=', handle).executeTakeFirstOrThrow();
    expect(inf.organisation_id).toBe(await organisationOfTeam(who.team));
  });

  it('then add, show, notify and remove work, and show links each product with its short link', async () => {
    const { who, handle } = await setUp();
    const added = await run(who, 'storefront', 'add <https://www.amazon.com/dp/B0SLACKT01?tag=thief-20&amp;th=1|amazon.com/dp/B0SLACKT01> Desk setup');
    expect(added.visible).toContain('Added Amazon product B0SLACKT01 to “Desk setup”.');
    expect(added.visible).toMatch(/Short link\*?\nhttp:\/\/links\.test\/l\/[0-9A-Za-z]{8}/);

    const shown = await run(who, 'storefront', 'show');
    expect(shown.blocks[0]).toMatchObject({ type: 'header', text: { text: `@${handle}'s storefront` } });
    expect(blockStrings(shown.blocks).join('\n')).toMatch(
      /\*Desk setup\*\n• <http:\/\/links\.test\/l\/[0-9A-Za-z]{8}\|Amazon product B0SLACKT01> — B0SLACKT01/,
    );
    expect(shown.blocks.at(-1)).toMatchObject({ type: 'actions', elements: [{ type: 'button', url: `http://links.test/s/${handle}` }] });

    expect((await run({ ...who, channelId: 'C0DEALS' }, 'storefront', 'notify here')).visible).toContain(
      'Commission notifications will be posted in this channel.',
    );
    const pref = await db
      .selectFrom('notification_preferences as n')
      .innerJoin('influencers as i', 'i.id', 'n.influencer_id')
      .select(['n.destination', 'n.channel_id', 'n.platform', 'n.workspace_id'])
      .where('i.handle', '=', handle)
      .executeTakeFirstOrThrow();
    expect(pref).toEqual({ destination: 'channel', channel_id: 'C0DEALS', platform: 'slack', workspace_id: who.team });
    const inDm = await run({ ...who, channelId: 'D0ME', channelName: 'directmessage' }, 'storefront', 'notify here');
    expect(inDm.visible).toContain('Run /storefront notify here in the channel where notifications should go.');

    expect((await run(who, 'storefront', 'remove B0SLACKT01')).visible).toContain('Removed B0SLACKT01 from your storefront.');
    expect((await run(who, 'storefront', 'show')).visible).toContain('No products yet.');
  });

  it('then usage mistakes answer privately with the usage line', async () => {
    const who = newTeam().member();
    const r = await run(who, 'storefront', 'setup');
    expect(r.type).toBe('ephemeral');
    expect(r.blocks[0]).toMatchObject({ text: { text: expect.stringMatching(/^:x: \*Error:\* Missing handle/) } });
    expect(r.blocks.at(-1)).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'Usage: /storefront setup &lt;handle&gt; &lt;tracking-id&gt; [marketplace]' }],
    });
  });
});

describe('when someone uses /link, /earnings and /digest in Slack', () => {
  it('then /link answers with the short link ready to paste and where it goes', async () => {
    const { who, handle } = await setUp();
    const r = await run(who, 'link', 'https://www.amazon.com/Logitech/dp/B0SLACKT01/ref=x?tag=thief-20 tiktok');
    expect(r.type).toBe('ephemeral');
    // The short link is a section of its own, first, with nothing else in it: a long press copies just the link.
    expect(r.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: expect.stringMatching(/^http:\/\/links\.test\/l\/[0-9A-Za-z]{8}$/) } });
    expect(r.visible).toContain(`https://www.amazon.com/dp/B0SLACKT01?tag=${handle}-20`);
    expect(r.visible).toContain('*Campaign*\ntiktok');
    const usage = await run(who, 'link', '');
    expect(usage.visible).toContain('Missing product');
    expect(usage.visible).toContain('Usage: /link <product> [campaign]');
  });

  it('then /earnings is private, uses the time zone Slack reports, and says plainly when nothing was ingested', async () => {
    const who = newTeam().member();
    app.fake.setUser(who.user, { tz: 'Europe/Berlin' });
    const { handle } = await setUp(who);
    const none = await run(who, 'earnings', '');
    expect(none.type).toBe('ephemeral');
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
        asin: 'B0SLACKT01',
        product_name: 'Desk lamp',
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
    const r = await run(who, 'earnings', '7d');
    expect(r.blocks[0]).toMatchObject({ type: 'header', text: { text: 'Earnings · Last 7 days' } });
    expect(r.visible).toContain('*Confirmed*\n$12.34');
    expect(r.visible).toContain('Desk lamp — $12.34 · 2 items');
    expect(r.visible).toContain('Times in Europe/Berlin.');
    // users.info is asked once and cached, not on every command.
    expect(app.fake.callsTo('users.info').filter((c) => c.body.user === who.user)).toHaveLength(1);
    const bad = await run(who, 'earnings', 'lastweek');
    expect(bad.visible).toContain('"lastweek" is not a period.');
    expect(bad.visible).toContain('Usage: /earnings [period] [me|team]');
  });

  it('then /digest works for workspace admins (as users.info says) and is refused to members', async () => {
    const team = newTeam();
    const admin = team.member();
    app.fake.setUser(admin.user, { admin: true, tz: 'Asia/Tokyo' });
    const { handle } = await setUp(team.member());
    const now = await run(admin, 'digest', 'now');
    expect(now.blocks[0]).toMatchObject({ type: 'header', text: { text: expect.stringMatching(/^Team digest · \d{4}-\d{2}-\d{2}$/) } });
    // A roster with nothing yesterday gets the short quiet-day card (the influencer is counted, not listed).
    expect(now.visible).toContain('Quiet day: no clicks, orders or commission on');
    expect(now.visible).toContain('across 1 influencer');
    expect(handle).toBeTruthy();
    expect(now.visible).toMatch(/Yesterday is \d{4}-\d{2}-\d{2} in Asia\/Tokyo/);
    expect((await run(admin, 'digest', 'subscribe 08:30')).visible).toContain('every day at 08:30 (Asia/Tokyo)');
    expect((await run(admin, 'digest', 'off')).visible).toContain('Daily digest stopped.');

    const owner = team.member();
    app.fake.setUser(owner.user, { primaryOwner: true });
    expect((await run(owner, 'digest', 'now')).visible).toContain('Team digest');

    const member = team.member();
    const refused = await run(member, 'digest', 'now');
    expect(refused.type).toBe('ephemeral');
    expect(refused.visible).toContain('Only managers');
    expect(
      await db
        .selectFrom('digest_subscriptions')
        .select('id')
        .where('organisation_id', '=', await organisationOfTeam(team.team))
        .where('enabled', '=', true)
        .execute(),
    ).toEqual([]);
    // When users.info fails, nobody is taken for an admin.
    const unverifiable = team.member();
    app.fake.setUser(unverifiable.user, { missing: true, admin: true });
    expect((await run(unverifiable, 'digest', 'now')).visible).toContain('Only managers');
    const unknown = await run(admin, 'digest', 'frobnicate');
    expect(unknown.visible).toContain('Unknown subcommand "frobnicate".');
    expect(unknown.visible).toContain('/digest subscribe [time] [timezone]');
  });
});

describe('when bad input arrives through Slack', () => {
  it('then each gets a helpful private answer and nothing changes', async () => {
    const { who: owner, handle } = await setUp();
    const ownerOrg = await organisationOfTeam(owner.team);
    const ownerBefore = await holdings(ownerOrg);
    const who = newTeam().member();
    const fresh = [unique('fresh'), unique('fresh'), unique('fresh')];
    const otherTracking = `${unique('other')}-20`;
    const cases: Array<[string, string, RegExp]> = [
      ['storefront', '', /Commands[\s\S]*\/storefront setup <handle> <tracking-id>/],
      ['storefront', 'frobnicate now', /Unknown subcommand "frobnicate"/],
      ['storefront', 'setup ' + 'a'.repeat(3994), /handle is too long \(at most 32 characters\)/],
      ['storefront', 'setup ' + 'b'.repeat(4994), /That is too long \(5000 characters\); commands take at most 4000\./],
      ['storefront', 'setup 😀shop😀 shop-20', /A handle is 1 to 32 characters/],
      ['storefront', 'setup café café-20', /A handle is 1 to 32 characters/],
      ['storefront', `setup ${handle} ${otherTracking}`, new RegExp(`The handle @${handle} is already taken\\.`)],
      ['storefront', `setup ${fresh[1]} not a tracking id`, /Too many words|tracking ID/i],
      ['storefront', `setup ${fresh[2]} <script>-20`, /tracking ID/i],
      ['link', '', /Missing product/],
      ['earnings', 'team please', /scope must be one of: me, team|Too many words/],
    ];
    for (const [command, text, expected] of cases) {
      const r = await run(who, command, text);
      expect(r.type, `${command} ${text.slice(0, 40)}`).toBe('ephemeral');
      expect(r.visible, `${command} ${text.slice(0, 40)}`).toMatch(expected);
    }
    // In the owner's own workspace, the tracking ID is held: a teammate naming it only files a claim that waits for a
    // manager (test/workspaces/slackClaims.test.ts); the owner keeps it.
    const teammate: Who = { team: owner.team, user: unique('U').toUpperCase() };
    const taken = await run(teammate, 'storefront', `setup ${fresh[0]} ${handle}-20`);
    expect(taken.visible).toContain(`Tracking ID ${handle}-20 (amazon.com) is waiting for verification`);
    expect(taken.visible).toContain('another storefront here holds it');
    // Nothing was created for the caller, under any handle or tracking ID tried; the owner keeps theirs.
    const callerOrg = await organisationOfTeam(who.team);
    expect(await holdings(callerOrg)).toEqual({ influencers: [], tracking: [], items: [] });
    expect(
      await db
        .selectFrom('influencers')
        .select('handle')
        .where('handle', 'in', [...fresh.slice(1), 'shop', '😀shop😀', 'café', 'a'.repeat(32)])
        .execute(),
    ).toEqual([]);
    expect(await db.selectFrom('tracking_ids').select('tracking_id').where('tracking_id', '=', otherTracking).execute()).toEqual([]);
    const after = await holdings(ownerOrg);
    expect(after.influencers).toEqual([...ownerBefore.influencers, fresh[0]]);
    expect(after.items).toEqual(ownerBefore.items);
    const holder = await db
      .selectFrom('tracking_ids as t')
      .innerJoin('influencers as i', 'i.id', 't.influencer_id')
      .select('i.handle')
      .where('t.tracking_id', '=', `${handle}-20`)
      .where('t.verified', '=', true)
      .execute();
    expect(holder).toEqual([{ handle }]);
  });
});

describe('when a user of another workspace tries to reach an organisation’s data', () => {
  it('then they see and change nothing of it, even with the same Slack user id', async () => {
    const { who: a, handle } = await setUp();
    await run(a, 'storefront', 'add B0SLACKT01');
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
        asin: 'B0SLACKT01',
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
    const orgA = await organisationOfTeam(a.team);
    const before = await holdings(orgA);
    expect(before.items).toHaveLength(1);

    const teamB = newTeam();
    const sameUserInB: Who = { team: teamB.team, user: a.user };
    const adminB = teamB.member();
    app.fake.setUser(adminB.user, { admin: true });
    for (const who of [sameUserInB, adminB]) {
      const shown = await run(who, 'storefront', 'show');
      expect(shown.visible).toContain('You have no storefront yet');
      expect(shown.visible).not.toContain(handle);
      expect((await run(who, 'storefront', 'remove B0SLACKT01')).visible).toContain('You have no storefront yet');
      expect((await run(who, 'link', 'B0SLACKT01')).visible).toContain('You have no storefront yet');
      const taken = await run(who, 'storefront', `setup ${handle} ${unique('x')}-20`);
      expect(taken.visible).toContain(`The handle @${handle} is already taken.`);
    }
    const team = await run(adminB, 'earnings', 'all team');
    expect(team.visible).toContain('No earnings have been ingested for Your team yet.');
    expect(team.visible).not.toContain('987.65');
    expect(team.visible).not.toContain('Secret earner');
    const digest = await run(adminB, 'digest', 'now');
    expect(digest.visible).toContain('No influencers in your team yet.');
    expect(digest.visible).not.toContain(handle);
    expect((await run(sameUserInB, 'earnings', 'all team')).visible).toContain('Only managers can see the whole team’s earnings.');

    expect(await holdings(orgA)).toEqual(before);
    expect(await holdings(await organisationOfTeam(teamB.team))).toEqual({ influencers: [], tracking: [], items: [] });
    const stillA = await run(a, 'storefront', 'show');
    // Named as their storefront page names it: from their own report, which only their organisation sees.
    expect(stillA.visible).toContain('Secret earner');
    expect((await run(a, 'earnings', 'all')).visible).toContain('$987.65');
  });
});

describe('when product titles and list names carry markup', () => {
  it('then the Block Kit that reaches Slack shows them as text: no mention, link or formatting gets through', async () => {
    const { who } = await setUp();
    const asin = randomAsin();
    await upsertProduct(db, { asin, marketplace: 'US' }, { title: '<!channel> *FREE* <https://evil.example|click here> <script>alert(1)</script> & _win_' });
    const r = await run(who, 'storefront', `add ${asin} &lt;!here&gt; *Deals* ~x~ \`y\` <@U0EVIL>`);
    expect(r.visible).toContain('“<!here> *Deals* ~x~ `y` <@U0EVIL>”');
    const shown = (await slash(app.rt.url, app.fake, who, 'storefront', 'show')).reply;
    const raw = JSON.stringify(shown.body.blocks);
    expect(raw).not.toMatch(/<!channel>|<!here>|<@U0EVIL>|<script>|\|click here>/);
    expect(raw).not.toMatch(/\*FREE|FREE\*|\*Deals|Deals\*|_win|win_|~x|`y/);
    const strings = blockStrings(shown.body.blocks);
    const line = strings.find((s) => s.includes('FREE'))!;
    // The only link in the line is the one we built, around the escaped title.
    expect(line.match(/<[^>]*>/g)).toEqual([expect.stringMatching(/^<http:\/\/links\.test\/l\/[0-9A-Za-z]{8}\|&lt;!channel&gt; /)]);
    expect(visibleText(shown.body.blocks)).toContain('<!channel> *FREE* <https://evil.example|click here> <script>alert(1)</script> & _win_');
    expect(visibleText(shown.body.blocks)).toContain('<!here> *Deals* ~x~ `y` <@U0EVIL>');
    expect(String(shown.body.text)).not.toMatch(/<!|<@|<http/);
  });
});
