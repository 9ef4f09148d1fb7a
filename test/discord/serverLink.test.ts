// One team, a Slack workspace and a Discord server: a manager's one-time server-link code from one, typed by a
// manager in the other, makes the second part of the first one's organisation, so its managers see the same
// roster, team earnings and digests. Through both real endpoints (signed Slack commands, signed Discord
// interactions); the rules in detail are in test/workspaces/workspaceLinks.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { testDb, unique } from '../support/env.ts';
import { useBothPlatforms } from '../support/bothPlatforms.ts';
import { dollarsIn, seedEarning } from '../support/fixtures.ts';
import { newTeam } from '../slack/helpers.ts';
import { inDm, newGuild, PERMISSIONS } from './helpers.ts';

const db = testDb();
afterAll(() => db.destroy());
const { app, onSlack, onDiscord } = useBothPlatforms('xoxb-server-link');

const codeIn = (text: string) => /Your server-link code is ([A-Z0-9]{10})\./.exec(text)?.[1];
const PRODUCT = { asin: 'B0SRVLINK1', name: 'Server lamp' };

describe('when a Slack manager links the team’s Discord server', () => {
  it('then the code from Slack, typed by a Discord manager, gives the server the Slack roster, team earnings and digest', async () => {
    const team = newTeam();
    const influencer = team.member();
    const slackAdmin = team.member();
    app.slack.setUser(influencer.user, { tz: 'UTC' });
    app.slack.setUser(slackAdmin.user, { admin: true, tz: 'UTC' });
    const handle = unique('sl');
    expect((await onSlack(influencer, 'storefront', `setup ${handle} ${handle}-20`)).visible).toContain('Storefront created');
    await seedEarning(db, handle, 4321, PRODUCT);

    // A member who is not an admin gets no code.
    expect((await onSlack(influencer, 'storefront', 'link-server')).visible).toContain('Only managers');
    const issued = await onSlack(slackAdmin, 'storefront', 'link-server');
    expect(issued.ephemeral).toBe(true);
    const code = codeIn(issued.visible);
    expect(code, issued.visible).toBeDefined();
    expect(issued.visible).toContain('Link a Discord server');
    expect(issued.visible).toContain('10 minutes, once');

    // The team's Discord server: its own, empty organisation so far.
    const guild = newGuild();
    const discordManager = guild.member({ permissions: PERMISSIONS.manageGuild });
    const discordMember = guild.member();
    const before = await onDiscord(discordManager, 'earnings', undefined, { period: 'all', scope: 'team' });
    expect(before.visible).toContain('No earnings have been ingested for Your team yet.');
    expect((await onDiscord(discordManager, 'digest', 'now')).visible).toContain('No influencers in your team yet.');

    // Members and DMs cannot use the code; the server's manager can.
    expect((await onDiscord(discordMember, 'storefront', 'link-server', { code: code! })).visible).toContain('Only managers');
    expect((await onDiscord(inDm(discordManager), 'storefront', 'link-server', { code: code! })).visible).toContain(
      'In direct messages I can only help with your own storefront',
    );
    const linked = await onDiscord(discordManager, 'storefront', 'link-server', { code: code! });
    expect(linked.ephemeral).toBe(true);
    expect(linked.visible).toContain('Server linked');
    expect(linked.visible).toContain('This Discord server now belongs to');
    expect(linked.visible).toContain('The empty organisation this Discord server had before was removed.');

    // The Discord manager now sees the Slack-side team: the same figures and roster as the Slack admin.
    const discordTeam = await onDiscord(discordManager, 'earnings', undefined, { period: 'all', scope: 'team' });
    const slackTeam = await onSlack(slackAdmin, 'earnings', 'all team');
    expect(discordTeam.visible).toContain('Your team');
    expect(dollarsIn(discordTeam.visible)).toContain('$43.21');
    expect(dollarsIn(discordTeam.visible)).toEqual(dollarsIn(slackTeam.visible));
    expect(discordTeam.visible).toContain('Server lamp');
    expect((await onDiscord(discordManager, 'digest', 'now')).visible).toContain(`@${handle}`);
    // A member of the server is still no manager.
    expect((await onDiscord(discordMember, 'earnings', undefined, { period: 'all', scope: 'team' })).visible).toContain('Only managers can see the whole team');

    // The code worked once.
    const elsewhere = newGuild().admin();
    expect((await onDiscord(elsewhere, 'storefront', 'link-server', { code: code! })).visible).toContain('That server-link code is not valid');
    expect((await onDiscord(elsewhere, 'digest', 'now')).visible).toContain('No influencers in your team yet.');
  });

  it('then a code from Discord, typed by a Slack admin, links the Slack workspace the other way round', async () => {
    const guild = newGuild();
    const handle = unique('sl');
    await onDiscord(guild.member(), 'storefront', 'setup', { handle, 'tracking-id': `${handle}-20` });
    await seedEarning(db, handle, 1500, PRODUCT);
    const issued = await onDiscord(guild.admin(), 'storefront', 'link-server');
    expect(issued.ephemeral).toBe(true);
    expect(issued.visible).toContain('Link a Slack workspace');
    const code = codeIn(issued.visible)!;

    const team = newTeam();
    const slackMember = team.member();
    const slackOwner = team.member();
    app.slack.setUser(slackMember.user, { tz: 'UTC' });
    app.slack.setUser(slackOwner.user, { primaryOwner: true, tz: 'UTC' });
    expect((await onSlack(slackMember, 'storefront', `link-server ${code}`)).visible).toContain('Only managers');
    const linked = await onSlack(slackOwner, 'storefront', `link-server ${code}`);
    expect(linked.ephemeral).toBe(true);
    expect(linked.visible).toContain('This Slack workspace now belongs to');
    expect(dollarsIn((await onSlack(slackOwner, 'earnings', 'all team')).visible)).toContain('$15.00');
    expect((await onSlack(slackOwner, 'digest', 'now')).visible).toContain(`@${handle}`);
  });

  it('then a server with a storefront of its own is refused, keeps its own organisation, and the code stays usable', async () => {
    const team = newTeam();
    const slackAdmin = team.member();
    app.slack.setUser(slackAdmin.user, { admin: true });
    const code = codeIn((await onSlack(slackAdmin, 'storefront', 'link-server')).visible)!;

    const busy = newGuild();
    const busyHandle = unique('sl');
    await onDiscord(busy.member(), 'storefront', 'setup', { handle: busyHandle, 'tracking-id': `${busyHandle}-20` });
    const busyAdmin = busy.admin();
    expect((await onDiscord(busyAdmin, 'storefront', 'link-server', { code: 'WRONG23456' })).visible).toContain('That server-link code is not valid');
    const refused = await onDiscord(busyAdmin, 'storefront', 'link-server', { code });
    expect(refused.ephemeral).toBe(true);
    expect(refused.visible).toContain(`This Discord server already has data of its own: 1 influencer (@${busyHandle}), 1 storefront.`);
    expect(refused.visible).toContain('Merging organisations is not supported');
    expect((await onDiscord(busyAdmin, 'digest', 'now')).visible).toContain(`@${busyHandle}`);

    // Typed in another Slack workspace: the wrong platform.
    const otherSlack = newTeam().member();
    app.slack.setUser(otherSlack.user, { admin: true });
    expect((await onSlack(otherSlack, 'storefront', `link-server ${code}`)).visible).toContain(
      'That code comes from a Slack workspace, so it links a Discord server',
    );

    // Still usable where it belongs.
    expect((await onDiscord(newGuild().admin(), 'storefront', 'link-server', { code })).visible).toContain('now belongs to');
  });

  it('then both help texts list the subcommand', async () => {
    const who = newTeam().member();
    expect((await onSlack(who, 'storefront', 'help')).visible).toContain('/storefront link-server [code]');
    expect((await onDiscord(newGuild().member(), 'storefront', 'help')).visible).toContain('/storefront link-server [code]');
  });
});
