// Undoing a server link: /storefront unlink-server, typed by a manager in a workspace whose organisation also has a
// workspace on the other platform, gives THIS workspace a new, empty organisation; the organisation and its data
// stay with the other workspace. Through the platform-neutral command core; the HTTP path is in
// test/discord/serverUnlink.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/db/schema.ts';
import { resolveDestination } from '../../src/domain/notifications/destination.ts';
import { testDb, unique } from '../support/env.ts';
import { newWorkspace, replyText, run, type Person } from '../support/commands.ts';
import { organisationOf } from '../support/fixtures.ts';

const db = testDb();
afterAll(() => db.destroy());

const codeIn = (text: string | undefined) => /Your server-link code is ([A-Z0-9]{10})\./.exec(text ?? '')?.[1];

async function orgOf(platform: Platform, workspaceId: string): Promise<number> {
  if (platform === 'slack')
    return (await db.selectFrom('slack_workspaces').select('organisation_id').where('team_id', '=', workspaceId).executeTakeFirstOrThrow()).organisation_id;
  return (await db.selectFrom('discord_guilds').select('organisation_id').where('guild_id', '=', workspaceId).executeTakeFirstOrThrow()).organisation_id;
}

async function orgName(id: number): Promise<string | undefined> {
  return (await db.selectFrom('organisations').select('name').where('id', '=', id).executeTakeFirst())?.name;
}

async function identityOrgs(platform: Platform, workspaceId: string): Promise<Array<number | null>> {
  const rows = await db
    .selectFrom('platform_identities')
    .select('organisation_id')
    .where('platform', '=', platform)
    .where('workspace_id', '=', workspaceId)
    .execute();
  return [...new Set(rows.map((r) => r.organisation_id))];
}

async function influencerId(handle: string): Promise<number> {
  return (await db.selectFrom('influencers').select('id').where('handle', '=', handle).executeTakeFirstOrThrow()).id;
}

async function addEarning(handle: string, amountMinor: number) {
  await db
    .insertInto('ledger_entries')
    .values({
      network: 'amazon',
      line_key: unique('k'),
      kind: 'confirmed',
      tracking_id: `${handle}-20`,
      influencer_id: await influencerId(handle),
      organisation_id: organisationOf(await influencerId(handle)),
      marketplace: 'US',
      asin: 'B0UNLINK01',
      product_name: 'Unlink lamp',
      category: 'Home',
      occurred_at: new Date(Date.now() - 3_600_000),
      quantity: 1,
      amount_minor: amountMinor,
      currency: 'USD',
      ingest_id: null,
      link_id: null,
      reverses_entry_id: null,
    })
    .execute();
}

async function issue(manager: Person): Promise<string> {
  const r = await run(db, manager, 'storefront', 'link-server');
  const code = codeIn(r.text);
  expect(code, replyText(r)).toBeDefined();
  return code!;
}

const unlink = (who: Person, arg = 'confirm') => run(db, who, 'storefront', `unlink-server ${arg}`.trim());

/** A Slack workspace with a storefront and earnings, and a Discord server linked to it with a storefront set up there. */
async function linkedTeam() {
  const slack = newWorkspace('slack');
  const slackInfluencer = slack.person();
  const slackHandle = unique('ul');
  await run(db, slackInfluencer, 'storefront', `setup ${slackHandle} ${slackHandle}-20`);
  await addEarning(slackHandle, 4321);
  const slackAdmin = slack.person({ admin: true });

  const guild = newWorkspace('discord');
  const guildAdmin = guild.person({ admin: true });
  const linked = await run(db, guildAdmin, 'storefront', `link-server ${await issue(slackAdmin)}`);
  expect(linked.text).toContain('now belongs to');
  const guildInfluencer = guild.person();
  const guildHandle = unique('ul');
  await run(db, guildInfluencer, 'storefront', `setup ${guildHandle} ${guildHandle}-20`);
  await addEarning(guildHandle, 1200);
  const org = await orgOf('slack', slack.workspaceId);
  expect(await orgOf('discord', guild.workspaceId)).toBe(org);
  return { slack, slackInfluencer, slackHandle, slackAdmin, guild, guildAdmin, guildInfluencer, guildHandle, org, orgName: (await orgName(org))! };
}

/** Everything a manager of the workspace sees of the team. */
async function teamView(manager: Person): Promise<string> {
  return [replyText(await run(db, manager, 'digest', 'now')), replyText(await run(db, manager, 'earnings', 'all team'))].join('\n');
}

describe('when a manager of the linked Discord server unlinks it', () => {
  it('then the bare command only explains, naming the organisation and the Slack workspace, and changes nothing', async () => {
    const t = await linkedTeam();
    const preview = await run(db, t.guildAdmin, 'storefront', 'unlink-server');
    expect(preview).toMatchObject({ visibility: 'ephemeral', tone: 'warning', title: 'Unlink this Discord server?' });
    expect(preview.text).toContain(`This Discord server will leave ${t.orgName}. ${t.orgName} and all its data`);
    expect(preview.text).toContain(`stay with the Slack workspace ${t.slack.workspaceId}.`);
    expect(preview.text).toContain("members here will no longer see the team's storefronts, earnings or digests");
    expect(preview.text).toMatch(/To go ahead, run \/storefront unlink-server confirm$/);
    expect(replyText(preview)).toContain(`Storefronts used from here: 1 (@${t.guildHandle})`);
    expect(await orgOf('discord', t.guild.workspaceId)).toBe(t.org);
    expect(await teamView(t.guildAdmin)).toContain(`@${t.slackHandle}`);
  });

  it('then confirm gives the server a new, empty organisation and the team keeps everything on Slack', async () => {
    const t = await linkedTeam();
    expect(await teamView(t.guildAdmin)).toContain('$43.21');

    const done = await unlink(t.guildAdmin);
    expect(done).toMatchObject({ visibility: 'ephemeral', tone: 'success', title: 'Server unlinked' });
    const newOrg = await orgOf('discord', t.guild.workspaceId);
    expect(newOrg).not.toBe(t.org);
    // Named like a brand-new server's organisation (no name is known for it).
    expect(await orgName(newOrg)).toBe(`discord ${t.guild.workspaceId}`);
    expect(done.text).toBe(
      `This Discord server has left ${t.orgName} and now has a new, empty organisation of its own, discord ${t.guild.workspaceId}. ${t.orgName} and all its data stay with the Slack workspace ${t.slack.workspaceId}; members here no longer see its storefronts, earnings or digests. Nothing was deleted.`,
    );
    expect(replyText(done)).toContain(`New organisation: discord ${t.guild.workspaceId}`);
    expect(await db.selectFrom('organisations').select('id').where('name', '=', `discord ${t.guild.workspaceId}`).execute()).toEqual([{ id: newOrg }]);
    // Everyone who ever typed a command in the server moved with it; the link record is gone.
    expect(await identityOrgs('discord', t.guild.workspaceId)).toEqual([newOrg]);
    expect(await db.selectFrom('workspace_links').select('organisation_id').where('workspace_id', '=', t.guild.workspaceId).execute()).toEqual([]);

    // The server's manager sees an empty organisation; its influencer no longer reaches the storefront from here.
    const detached = await teamView(t.guildAdmin);
    expect(detached).toContain('No influencers in your team yet.');
    expect(detached).not.toContain('$');
    expect(detached).not.toContain(`@${t.slackHandle}`);
    expect((await run(db, t.guildInfluencer, 'storefront', 'show')).text).toContain('You have no storefront yet');
    // Nothing was deleted or moved: both storefronts and their earnings stay with the Slack team.
    const kept = await teamView(t.slackAdmin);
    expect(kept).toContain(`@${t.slackHandle}`);
    expect(kept).toContain(`@${t.guildHandle}`);
    expect(kept).toContain('$55.21');
    expect(
      (
        await db
          .selectFrom('influencers')
          .select('organisation_id')
          .where('id', '=', await influencerId(t.guildHandle))
          .executeTakeFirstOrThrow()
      ).organisation_id,
    ).toBe(t.org);

    // The account that set a storefront up in the server may start a new one in the server's new organisation.
    const fresh = unique('ul');
    expect((await run(db, t.guildInfluencer, 'storefront', `setup ${fresh} ${fresh}-20`)).title).toBe('Storefront created');
    expect(await teamView(t.guildAdmin)).toContain(`@${fresh}`);
    expect(await teamView(t.slackAdmin)).not.toContain(`@${fresh}`);

    // Done once: again it is not linked.
    expect((await unlink(t.guildAdmin)).text).toContain('This Discord server is not linked');
  });
});

describe('when a manager of the Slack workspace that brought the data unlinks it', () => {
  it('then the Slack workspace starts empty and the organisation, with all its data, stays with the Discord server', async () => {
    const t = await linkedTeam();
    await db.updateTable('slack_workspaces').set({ name: 'Acme Slack' }).where('team_id', '=', t.slack.workspaceId).execute();
    const preview = await unlink(t.slackAdmin, '');
    expect(preview.title).toBe('Unlink this Slack workspace?');
    expect(preview.text).toContain(`stay with the Discord server ${t.guild.workspaceId}.`);

    const done = await unlink(t.slackAdmin, 'CONFIRM');
    expect(done).toMatchObject({ tone: 'success', title: 'Workspace unlinked' });
    const newOrg = await orgOf('slack', t.slack.workspaceId);
    expect(newOrg).not.toBe(t.org);
    // Like a fresh workspace's organisation: the workspace's name.
    expect(await orgName(newOrg)).toBe('Acme Slack');
    expect(await orgOf('discord', t.guild.workspaceId)).toBe(t.org);
    expect(await identityOrgs('slack', t.slack.workspaceId)).toEqual([newOrg]);

    expect(await teamView(t.slackAdmin)).toContain('No influencers in your team yet.');
    expect((await run(db, t.slackInfluencer, 'storefront', 'show')).text).toContain('You have no storefront yet');
    const kept = await teamView(t.guildAdmin);
    expect(kept).toContain(`@${t.slackHandle}`);
    expect(kept).toContain('$55.21');
    // The Discord side remains linked to nothing on Slack now: it cannot unlink either.
    expect((await unlink(t.guildAdmin)).text).toContain(
      `This Discord server is not linked: its organisation, ${t.orgName}, has no Slack workspace, so there is nothing to unlink.`,
    );
  });
});

describe('when unlink-server is refused', () => {
  it('then a member, a workspace that is not linked and an unknown argument each get a clear message and nothing changes', async () => {
    const t = await linkedTeam();
    const snapshot = async () => [
      await orgOf('discord', t.guild.workspaceId),
      await orgOf('slack', t.slack.workspaceId),
      await identityOrgs('discord', t.guild.workspaceId),
    ];
    const before = await snapshot();

    for (const arg of ['', 'confirm']) {
      const refused = await unlink(t.guildInfluencer, arg);
      expect(refused).toMatchObject({ tone: 'error', text: expect.stringContaining('Only managers') });
    }
    for (const arg of ['yes', 'confirm please']) {
      const refused = await unlink(t.guildAdmin, arg);
      expect(refused.tone).toBe('error');
      expect(refused.text).toBe(
        `Unknown argument “${arg}”. Run /storefront unlink-server to see what would happen, then /storefront unlink-server confirm to do it.`,
      );
      expect(refused.footer).toBe('Usage: /storefront unlink-server [confirm]');
    }
    expect(await snapshot()).toEqual(before);

    // A workspace that was never linked (its organisation has no workspace on the other platform).
    const lone = newWorkspace('slack').person({ admin: true });
    await run(db, lone, 'storefront', 'show');
    const loneOrg = await orgOf('slack', lone.workspaceId);
    for (const arg of ['', 'confirm']) {
      const refused = await unlink(lone, arg);
      expect(refused.tone).toBe('error');
      expect(refused.text).toBe(
        `This Slack workspace is not linked: its organisation, slack ${lone.workspaceId}, has no Discord server, so there is nothing to unlink. (/storefront link-server links one.)`,
      );
    }
    expect(await orgOf('slack', lone.workspaceId)).toBe(loneOrg);
  });

  it('then /storefront help lists unlink-server with its usage', async () => {
    const help = replyText(await run(db, newWorkspace().person(), 'storefront', 'help'));
    expect(help).toContain('/storefront unlink-server [confirm] Undo link-server: this workspace leaves the shared organisation');
  });
});

describe('when things of the organisation point into the server that leaves', () => {
  it('then its digest subscriptions, autolink channels, notification destinations and manager grants are turned off and counted; the Slack side keeps its own', async () => {
    const t = await linkedTeam();
    // In the server: a manager's digest, two autolink channels, a granted manager, and three influencers whose
    // notifications land there (a default DM, a chosen channel, and a Slack influencer's linked Discord account).
    await run(db, t.guildAdmin, 'digest', 'subscribe 08:00 UTC', { channelId: 'D-DIGEST' });
    await run(db, t.guildAdmin, 'storefront', 'autolink on', { channelId: 'D-CH1' });
    await run(db, t.guildAdmin, 'storefront', 'autolink on', { channelId: 'D-CH2' });
    const granted = t.guild.person();
    await run(db, t.guildAdmin, 'digest', `grant <@${granted.userId}>`);
    expect(replyText(await run(db, granted, 'digest', 'now'))).toContain(`@${t.slackHandle}`);
    const channelInfluencer = t.guild.person();
    const channelHandle = unique('ul');
    await run(db, channelInfluencer, 'storefront', `setup ${channelHandle} ${channelHandle}-20`);
    await run(db, channelInfluencer, 'storefront', 'notify here', { channelId: 'D-NOTIFY' });
    const linkCode = /Your code is ([A-Z0-9]{8})\./.exec((await run(db, t.slackInfluencer, 'storefront', 'link-account')).text ?? '')![1]!;
    const slackInfluencerOnDiscord = t.guild.person();
    await run(db, slackInfluencerOnDiscord, 'storefront', `link-account ${linkCode}`);
    await run(db, slackInfluencerOnDiscord, 'storefront', 'notify here', { channelId: 'D-NOTIFY2' });
    // On Slack: a digest and a Slack influencer with a Slack destination; none of it may change.
    await run(db, t.slackAdmin, 'digest', 'subscribe 09:00 UTC', { channelId: 'S-DIGEST' });
    const slackOnly = t.slack.person();
    const slackOnlyHandle = unique('ul');
    await run(db, slackOnly, 'storefront', `setup ${slackOnlyHandle} ${slackOnlyHandle}-20`);
    await run(db, slackOnly, 'storefront', 'notify here', { channelId: 'S-NOTIFY' });

    const expected = [
      '1 daily digest subscription of managers here: turned off',
      '2 autolink channels in this server: turned off',
      '3 commission notification destinations here: turned off (the influencer sees why in /storefront show)',
      '1 manager grant here: revoked',
    ];
    const preview = await unlink(t.guildAdmin, '');
    expect(preview.sections![0]!.title).toBe('What stops here');
    expect(preview.sections![0]!.lines.map((l) => `${l.text} ${l.detail}`)).toEqual(expected);

    const done = await unlink(t.guildAdmin);
    expect(done.tone).toBe('success');
    expect(done.sections![0]!.title).toBe('Stopped here');
    expect(done.sections![0]!.lines.map((l) => `${l.text} ${l.detail}`)).toEqual(expected);
    const newOrg = await orgOf('discord', t.guild.workspaceId);

    const subs = await db
      .selectFrom('digest_subscriptions as s')
      .innerJoin('platform_identities as p', 'p.id', 's.identity_id')
      .select(['p.platform', 's.organisation_id', 's.enabled'])
      .where('p.workspace_id', 'in', [t.guild.workspaceId, t.slack.workspaceId])
      .orderBy('p.platform')
      .execute();
    expect(subs).toEqual([
      { platform: 'discord', organisation_id: newOrg, enabled: false },
      { platform: 'slack', organisation_id: t.org, enabled: true },
    ]);
    expect(
      (await db.selectFrom('discord_guilds').select('gateway_channel_ids').where('guild_id', '=', t.guild.workspaceId).executeTakeFirstOrThrow())
        .gateway_channel_ids,
    ).toEqual([]);
    expect((await run(db, granted, 'digest', 'now')).text).toContain('Only managers');

    // No commission notification goes into the server any more; the Slack one still goes to Slack.
    for (const handle of [t.guildHandle, channelHandle, t.slackHandle]) expect(await resolveDestination(db, await influencerId(handle))).toBe('off');
    expect(await resolveDestination(db, await influencerId(slackOnlyHandle))).toEqual({
      platform: 'slack',
      workspaceId: t.slack.workspaceId,
      userId: slackOnly.userId,
      channelId: 'S-NOTIFY',
    });
    // The influencer reads why, where they still reach their storefront.
    const show = await run(db, t.slackInfluencer, 'storefront', 'show');
    expect(show.footer).toBe(
      `Commission notifications could not be delivered (the Discord server ${t.guild.workspaceId} it went to was unlinked from ${t.orgName}). Run /storefront notify dm|here to choose a working destination.`,
    );
  });
});

describe('when the server links again after an unlink', () => {
  it('then a code issued before the unlink still works, and so does a fresh one, and the storefronts used there come back', async () => {
    const t = await linkedTeam();
    // A digest and a granted manager in the server would each have refused a re-link, had they stayed on.
    await run(db, t.guildAdmin, 'digest', 'subscribe 08:00 UTC');
    await run(db, t.guildAdmin, 'digest', `grant <@${t.guild.person().userId}>`);
    const early = await issue(t.slackAdmin);
    expect((await unlink(t.guildAdmin)).tone).toBe('success');
    const leftBehind = await orgOf('discord', t.guild.workspaceId);

    const relinked = await run(db, t.guildAdmin, 'storefront', `link-server ${early}`);
    expect(relinked.text).toContain(`This Discord server now belongs to ${t.orgName}`);
    expect(relinked.footer).toBe('The empty organisation this Discord server had before was removed.');
    expect(await orgName(leftBehind)).toBeUndefined();
    expect(await orgOf('discord', t.guild.workspaceId)).toBe(t.org);
    expect(await teamView(t.guildAdmin)).toContain(`@${t.slackHandle}`);
    expect((await run(db, t.guildInfluencer, 'storefront', 'show')).title).toBe(`@${t.guildHandle}'s storefront`);

    // And once more, the other way round, with a fresh code from the server.
    expect((await unlink(t.slackAdmin)).tone).toBe('success');
    expect(await orgOf('slack', t.slack.workspaceId)).not.toBe(t.org);
    expect((await run(db, t.slackAdmin, 'storefront', `link-server ${await issue(t.guildAdmin)}`)).text).toContain('This Slack workspace now belongs to');
    expect(await orgOf('slack', t.slack.workspaceId)).toBe(t.org);
    expect(await teamView(t.slackAdmin)).toContain('$55.21');
  });
});

describe('when unlinks race', () => {
  it('then the same server unlinking twice at once: one succeeds, the other is told it is not linked, and one organisation is made', async () => {
    for (let round = 0; round < 3; round++) {
      const t = await linkedTeam();
      // Known before the race: an account first seen during an unlink is stored with the organisation its command
      // resolved (resolveIdentity) until its next command, a separate race that link-server has too.
      const secondAdmin = t.guild.person({ admin: true });
      await run(db, secondAdmin, 'storefront', 'help');
      const replies = await Promise.all([unlink(t.guildAdmin), unlink(secondAdmin)]);
      expect(replies.map((r) => r.tone).sort()).toEqual(['error', 'success']);
      expect(replies.find((r) => r.tone === 'error')!.text).toContain('This Discord server is not linked');
      const newOrg = await orgOf('discord', t.guild.workspaceId);
      expect(newOrg).not.toBe(t.org);
      expect(await identityOrgs('discord', t.guild.workspaceId)).toEqual([newOrg]);
      expect(await db.selectFrom('organisations').select('id').where('name', '=', `discord ${t.guild.workspaceId}`).execute()).toEqual([{ id: newOrg }]);
    }
  });

  it('then both sides unlinking at once: one succeeds, the other is told it is not linked, and the organisation keeps a workspace', async () => {
    for (let round = 0; round < 3; round++) {
      const t = await linkedTeam();
      const [fromDiscord, fromSlack] = await Promise.all([unlink(t.guildAdmin), unlink(t.slackAdmin)]);
      expect([fromDiscord.tone, fromSlack.tone].sort()).toEqual(['error', 'success']);
      const [leaving, staying] = fromDiscord.tone === 'success' ? (['discord', 'slack'] as const) : (['slack', 'discord'] as const);
      const ws = { discord: t.guild.workspaceId, slack: t.slack.workspaceId };
      expect((leaving === 'discord' ? fromSlack : fromDiscord).text).toContain('is not linked');
      expect(await orgOf(staying, ws[staying])).toBe(t.org);
      expect(await orgOf(leaving, ws[leaving])).not.toBe(t.org);
      expect(await identityOrgs(staying, ws[staying])).toEqual([t.org]);
      expect(await identityOrgs(leaving, ws[leaving])).toEqual([await orgOf(leaving, ws[leaving])]);
    }
  });

  it('then an unlink racing a link-server of the same server ends in one consistent state either way', async () => {
    for (let round = 0; round < 3; round++) {
      const t = await linkedTeam();
      const code = await issue(t.slackAdmin);
      const [unlinked, linked] = await Promise.all([unlink(t.guildAdmin), run(db, t.guildAdmin, 'storefront', `link-server ${code}`)]);
      expect(unlinked.tone).toBe('success');
      expect(linked.tone).toBe('success');
      const now = await orgOf('discord', t.guild.workspaceId);
      // The link ran first ("already") and the unlink after it, or the unlink first and the link re-joined.
      if (linked.text!.includes('already belongs')) expect(now).not.toBe(t.org);
      else {
        expect(linked.text).toContain('now belongs to');
        expect(now).toBe(t.org);
        expect(await db.selectFrom('organisations').select('id').where('name', '=', `discord ${t.guild.workspaceId}`).execute()).toEqual([]);
      }
      expect(await identityOrgs('discord', t.guild.workspaceId)).toEqual([now]);
      expect(await orgOf('slack', t.slack.workspaceId)).toBe(t.org);
    }
  });
});
