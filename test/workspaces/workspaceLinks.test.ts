// A team in a Slack workspace and a Discord server becomes one organisation: a manager asks for a one-time
// server-link code on one platform, a manager types it in the workspace on the other, and that workspace joins
// the first one's organisation. Through the platform-neutral command core; the HTTP path is in
// test/discord/serverLink.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/db/schema.ts';
import { testDb, unique } from '../support/env.ts';
import { newWorkspace, replyText, run, type Person } from '../support/commands.ts';

const db = testDb();
afterAll(() => db.destroy());

const codeIn = (text: string | undefined) => /Your server-link code is ([A-Z0-9]{10})\./.exec(text ?? '')?.[1];

async function orgOf(platform: Platform, workspaceId: string): Promise<number | undefined> {
  if (platform === 'slack')
    return (await db.selectFrom('slack_workspaces').select('organisation_id').where('team_id', '=', workspaceId).executeTakeFirst())?.organisation_id;
  return (await db.selectFrom('discord_guilds').select('organisation_id').where('guild_id', '=', workspaceId).executeTakeFirst())?.organisation_id;
}

async function orgExists(id: number): Promise<boolean> {
  return (await db.selectFrom('organisations').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

/** A Slack workspace with an influencer (a storefront) and an admin. */
async function slackTeam() {
  const ws = newWorkspace('slack');
  const influencer = ws.person();
  const handle = unique('wl');
  await run(db, influencer, 'storefront', `setup ${handle} ${handle}-20`);
  return { ws, influencer, handle, admin: ws.person({ admin: true }) };
}

async function issue(manager: Person): Promise<string> {
  const r = await run(db, manager, 'storefront', 'link-server');
  const code = codeIn(r.text);
  expect(code, replyText(r)).toBeDefined();
  return code!;
}

const link = (manager: Person, code: string, now?: Date) => run(db, manager, 'storefront', `link-server ${code}`, now ? { now } : {});

describe('when a manager links a Discord server to the organisation of a Slack workspace', () => {
  it('then the code, typed by the server’s manager, moves the brand-new server to that organisation and its people see its roster', async () => {
    const team = await slackTeam();
    const issued = await run(db, team.admin, 'storefront', 'link-server');
    expect(issued).toMatchObject({ visibility: 'ephemeral', tone: 'success', title: 'Link a Discord server' });
    const code = codeIn(issued.text)!;
    expect(replyText(issued)).toContain(`a member with Manage Server or Administrator types /storefront link-server ${code}`);
    expect(replyText(issued)).toContain('Valid for: 10 minutes, once');
    // Stored hashed: the code itself is nowhere in the database.
    expect(await db.selectFrom('workspace_link_codes').select('code').where('code', '=', code).execute()).toEqual([]);

    const guild = newWorkspace('discord');
    const guildAdmin = guild.person({ admin: true });
    const member = guild.person();
    // Before: the server is an organisation of its own with an empty roster.
    expect(replyText(await run(db, guildAdmin, 'digest', 'now'))).not.toContain(`@${team.handle}`);
    await run(db, member, 'storefront', 'show');
    const before = (await orgOf('discord', guild.workspaceId))!;
    const slackOrg = (await orgOf('slack', team.ws.workspaceId))!;
    expect(before).not.toBe(slackOrg);

    const linked = await link(guildAdmin, code.toLowerCase().replace(/(.{5})/, '$1-'));
    expect(linked).toMatchObject({ visibility: 'ephemeral', tone: 'success', title: 'Server linked' });
    expect(linked.text).toMatch(/^This Discord server now belongs to .+, the organisation of the Slack workspace that made the code/);
    expect(linked.footer).toBe('The empty organisation this Discord server had before was removed.');
    expect(await orgOf('discord', guild.workspaceId)).toBe(slackOrg);
    expect(await orgExists(before)).toBe(false);
    // Everyone who had typed a command there moved with it, and the link is on record.
    const identities = await db
      .selectFrom('platform_identities')
      .select('organisation_id')
      .where('platform', '=', 'discord')
      .where('workspace_id', '=', guild.workspaceId)
      .execute();
    expect(identities.map((i) => i.organisation_id)).toEqual([slackOrg, slackOrg]);
    expect(
      await db
        .selectFrom('workspace_links')
        .select(['organisation_id', 'previous_organisation_id'])
        .where('workspace_id', '=', guild.workspaceId)
        .executeTakeFirst(),
    ).toEqual({ organisation_id: slackOrg, previous_organisation_id: before });

    // After: the server's manager sees the Slack-side roster; a storefront set up there joins the organisation.
    expect(replyText(await run(db, guildAdmin, 'digest', 'now'))).toContain(`@${team.handle}`);
    expect(replyText(await run(db, guildAdmin, 'earnings', 'all team'))).toContain('Your team');
    const newcomer = unique('wl');
    await run(db, member, 'storefront', `setup ${newcomer} ${newcomer}-20`);
    expect(replyText(await run(db, team.admin, 'digest', 'now'))).toContain(`@${newcomer}`);

    // Used once.
    const other = newWorkspace('discord').person({ admin: true });
    expect((await link(other, code)).text).toContain('That server-link code is not valid');
  });

  it('then a code from Discord links a Slack workspace the other way round', async () => {
    const guild = newWorkspace('discord');
    const influencer = guild.person();
    const handle = unique('wl');
    await run(db, influencer, 'storefront', `setup ${handle} ${handle}-20`);
    const issued = await run(db, guild.person({ admin: true }), 'storefront', 'link-server');
    expect(issued.title).toBe('Link a Slack workspace');
    expect(issued.text).toContain('a workspace admin or owner types /storefront link-server');
    const slackAdmin = newWorkspace('slack').person({ admin: true });
    const linked = await link(slackAdmin, codeIn(issued.text)!);
    expect(linked.title).toBe('Workspace linked');
    expect(linked.text).toContain('This Slack workspace now belongs to');
    expect(linked.text).toContain('the Discord server that made the code');
    expect(await orgOf('slack', slackAdmin.workspaceId)).toBe(await orgOf('discord', guild.workspaceId));
    expect(replyText(await run(db, slackAdmin, 'digest', 'now'))).toContain(`@${handle}`);
  });
});

describe('when a server-link code is wrong, expired, spent or someone else’s', () => {
  it('then it is refused and nothing changes', async () => {
    const team = await slackTeam();
    const guildAdmin = newWorkspace('discord').person({ admin: true });
    await run(db, guildAdmin, 'storefront', 'show');
    const before = await orgOf('discord', guildAdmin.workspaceId);

    for (const typed of ['WRONG23456', 'not a code', '2345678923456'])
      expect((await link(guildAdmin, typed)).text).toContain('That server-link code is not valid');

    // Superseded by a newer code of the same manager.
    const first = await issue(team.admin);
    const second = await issue(team.admin);
    expect(second).not.toBe(first);
    expect((await link(guildAdmin, first)).text).toContain('That server-link code is not valid');
    // Expired: eleven minutes later.
    expect((await link(guildAdmin, second, new Date(Date.now() + 11 * 60_000))).text).toContain('codes last 10 minutes');
    expect(await orgOf('discord', guildAdmin.workspaceId)).toBe(before);

    // Someone else’s code: an influencer’s account-link code is no server-link code, and the other way round.
    const accountCode = /Your code is ([A-Z0-9]{8})\./.exec((await run(db, team.influencer, 'storefront', 'link-account')).text ?? '')![1]!;
    expect((await link(guildAdmin, accountCode)).text).toContain('That server-link code is not valid');
    const serverCode = await issue(team.admin);
    const discordPerson = newWorkspace('discord').person();
    expect((await run(db, discordPerson, 'storefront', `link-account ${serverCode}`)).text).toContain('That code is not valid');
    // Neither was spent by the mix-up.
    expect((await run(db, discordPerson, 'storefront', `link-account ${accountCode}`)).text).toContain(`linked to your storefront @${team.handle}`);
    expect((await link(guildAdmin, serverCode)).text).toContain('now belongs to');
  });

  it('then non-managers can neither ask for a code nor use one, and the code still works for a manager', async () => {
    const team = await slackTeam();
    const refused = await run(db, team.influencer, 'storefront', 'link-server');
    expect(refused).toMatchObject({ tone: 'error', text: expect.stringContaining('Only managers') });
    const identity = await db.selectFrom('platform_identities').select('id').where('user_id', '=', team.influencer.userId).executeTakeFirstOrThrow();
    expect(await db.selectFrom('workspace_link_codes').select('code').where('identity_id', '=', identity.id).execute()).toEqual([]);

    const code = await issue(team.admin);
    const guild = newWorkspace('discord');
    const member = guild.person();
    expect((await link(member, code)).text).toContain('Only managers');
    const before = await orgOf('discord', guild.workspaceId);
    expect(before).not.toBe(await orgOf('slack', team.ws.workspaceId));
    expect((await link(guild.person({ admin: true }), code)).text).toContain('now belongs to');
    expect(await orgOf('discord', guild.workspaceId)).toBe(await orgOf('slack', team.ws.workspaceId));
  });

  it('then a code typed in its own workspace, or in another workspace of the same platform, is refused and stays usable', async () => {
    const team = await slackTeam();
    const code = await issue(team.admin);
    expect((await link(team.ws.person({ admin: true }), code)).text).toBe(
      'This code was made in this Slack workspace. Type it in the Discord server that should join this organisation.',
    );
    const otherSlack = newWorkspace('slack').person({ admin: true });
    const wrongWay = await link(otherSlack, code);
    expect(wrongWay.text).toContain('That code comes from a Slack workspace, so it links a Discord server: type it there.');
    expect(await orgOf('slack', otherSlack.workspaceId)).not.toBe(await orgOf('slack', team.ws.workspaceId));
    // And the same from Discord: a Discord code does not bind another Discord server.
    const guildA = newWorkspace('discord').person({ admin: true });
    const discordCode = await issue(guildA);
    expect((await link(newWorkspace('discord').person({ admin: true }), discordCode)).text).toContain(
      'That code comes from a Discord server, so it links a Slack workspace',
    );
    // Neither refusal spent the code.
    expect((await link(newWorkspace('discord').person({ admin: true }), code)).text).toContain('now belongs to');
  });

  it('then typing a code in a workspace that already belongs to that organisation is a harmless “already”', async () => {
    const team = await slackTeam();
    const guildAdmin = newWorkspace('discord').person({ admin: true });
    await link(guildAdmin, await issue(team.admin));
    const org = await orgOf('discord', guildAdmin.workspaceId);
    const again = await link(guildAdmin, await issue(team.admin));
    expect(again).toMatchObject({ tone: 'success', text: expect.stringMatching(/^This Discord server already belongs to .+; nothing changed\.$/) });
    expect(await orgOf('discord', guildAdmin.workspaceId)).toBe(org);
    expect(replyText(await run(db, guildAdmin, 'digest', 'now'))).toContain(`@${team.handle}`);
  });

  it('then a code made in a server that has since joined another organisation no longer works', async () => {
    const guildAdmin = newWorkspace('discord').person({ admin: true });
    const stale = await issue(guildAdmin);
    const team = await slackTeam();
    await link(guildAdmin, await issue(team.admin));
    // The stale code would have bound a Slack workspace to the server's old, now removed organisation.
    const slackAdmin = newWorkspace('slack').person({ admin: true });
    expect((await link(slackAdmin, stale)).text).toContain('That server-link code is not valid');
  });

  it('then two servers typing one code at once: one joins, the other is told the code is used', async () => {
    const team = await slackTeam();
    const code = await issue(team.admin);
    const a = newWorkspace('discord').person({ admin: true });
    const b = newWorkspace('discord').person({ admin: true });
    await Promise.all([run(db, a, 'storefront', 'show'), run(db, b, 'storefront', 'show')]);
    const replies = await Promise.all([link(a, code), link(b, code)]);
    expect(replies.map((r) => r.tone).sort()).toEqual(['error', 'success']);
    const slackOrg = await orgOf('slack', team.ws.workspaceId);
    expect([await orgOf('discord', a.workspaceId), await orgOf('discord', b.workspaceId)].filter((o) => o === slackOrg)).toHaveLength(1);
  });
});

describe('when the workspace that would move has data of its own', () => {
  it('then a storefront, a feed source, a digest subscription or a granted manager each refuse the move, saying what exists', async () => {
    const team = await slackTeam();
    const slackOrg = await orgOf('slack', team.ws.workspaceId);

    // A server with its own influencer.
    const busy = newWorkspace('discord');
    const busyAdmin = busy.person({ admin: true });
    const busyHandle = unique('wl');
    await run(db, busy.person(), 'storefront', `setup ${busyHandle} ${busyHandle}-20`);
    const code = await issue(team.admin);
    const refused = await link(busyAdmin, code);
    expect(refused.tone).toBe('error');
    expect(refused.text).toContain(`This Discord server already has data of its own: 1 influencer (@${busyHandle}), 1 storefront.`);
    expect(refused.text).toContain('Merging organisations is not supported');
    expect(refused.text).toContain('link the other way round: run /storefront link-server here');
    expect(await orgOf('discord', busy.workspaceId)).not.toBe(slackOrg);
    expect(replyText(await run(db, busyAdmin, 'digest', 'now'))).toContain(`@${busyHandle}`);
    expect(replyText(await run(db, busyAdmin, 'digest', 'now'))).not.toContain(`@${team.handle}`);

    // A feed source.
    const fed = newWorkspace('discord').person({ admin: true });
    await run(db, fed, 'storefront', 'show');
    await db
      .insertInto('feed_sources')
      .values({
        organisation_id: (await orgOf('discord', fed.workspaceId))!,
        network: 'amazon',
        name: 'Their feed',
        url: 'https://feeds.test/x',
        cron: '0 * * * *',
        marketplace: null,
        headers: null,
        last_polled_at: null,
        last_success_at: null,
        last_error: null,
      })
      .execute();
    expect((await link(fed, code)).text).toContain('already has data of its own: 1 feed source.');

    // A digest subscription: refused while on; once turned off, the move goes ahead and the stopped one follows.
    const subscribed = newWorkspace('discord').person({ admin: true });
    await run(db, subscribed, 'digest', 'subscribe 08:00 UTC');
    expect((await link(subscribed, code)).text).toContain('already has data of its own: 1 daily digest subscription.');
    await run(db, subscribed, 'digest', 'off');

    // A granted manager.
    const granting = newWorkspace('discord');
    const grantor = granting.person({ admin: true });
    await run(db, grantor, 'digest', `grant <@${granting.person().userId}>`);
    expect((await link(grantor, code)).text).toContain('already has data of its own: 1 granted manager.');

    // Every refusal left the code usable.
    expect((await link(subscribed, code)).text).toContain('now belongs to');
    const sub = await db
      .selectFrom('digest_subscriptions as s')
      .innerJoin('platform_identities as p', 'p.id', 's.identity_id')
      .select(['s.organisation_id', 's.enabled'])
      .where('p.user_id', '=', subscribed.userId)
      .executeTakeFirstOrThrow();
    expect(sub).toEqual({ organisation_id: slackOrg, enabled: false });
  });

  it('then an empty organisation that another workspace still belongs to is kept', async () => {
    // An empty Slack workspace brings in an empty Discord server; later the server joins a team with a roster.
    const emptySlack = newWorkspace('slack').person({ admin: true });
    const guildAdmin = newWorkspace('discord').person({ admin: true });
    await link(guildAdmin, await issue(emptySlack));
    const shared = (await orgOf('slack', emptySlack.workspaceId))!;
    expect(await orgOf('discord', guildAdmin.workspaceId)).toBe(shared);

    const team = await slackTeam();
    const moved = await link(guildAdmin, await issue(team.admin));
    expect(moved.text).toContain('now belongs to');
    expect(moved.footer).toBeUndefined();
    expect(await orgOf('discord', guildAdmin.workspaceId)).toBe(await orgOf('slack', team.ws.workspaceId));
    expect(await orgOf('slack', emptySlack.workspaceId)).toBe(shared);
    expect(await orgExists(shared)).toBe(true);
  });
});

describe('when someone reads the help', () => {
  it('then /storefront help lists link-server with its usage', async () => {
    const help = replyText(await run(db, newWorkspace().person(), 'storefront', 'help'));
    expect(help).toContain('/storefront link-server [code] Share this team between Slack and Discord');
  });
});
