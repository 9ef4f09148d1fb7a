// Undoing a server link through both real endpoints (signed Slack commands, signed Discord interactions): a
// manager's /storefront unlink-server first explains, then with confirm detaches that workspace into a new, empty
// organisation while the team keeps its data on the other platform. The rules in detail are in
// test/workspaces/workspaceUnlink.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { testDb, unique } from '../support/env.ts';
import { useBothPlatforms } from '../support/bothPlatforms.ts';
import { dollarsIn, seedEarning } from '../support/fixtures.ts';
import { newTeam, sendEvent, visibleText as slackVisible, type Who as SlackWho } from '../slack/helpers.ts';
import { discordCommands } from '../../bots/discord/registration.ts';
import { newGuild, PERMISSIONS } from './helpers.ts';

const db = testDb();
afterAll(() => db.destroy());
const { app, onSlack, onDiscord } = useBothPlatforms('xoxb-server-unlink');

const codeIn = (text: string) => /Your server-link code is ([A-Z0-9]{10})\./.exec(text)?.[1];
const PRODUCT = { asin: 'B0SRVUNLK1', name: 'Unlinked lamp' };

/** A Slack team with a storefront and $43.21 of commission, and its Discord server linked with a Slack code. */
async function linkedTeam() {
  const team = newTeam();
  const influencer = team.member();
  const slackAdmin = team.member();
  app.slack.setUser(influencer.user, { tz: 'UTC' });
  app.slack.setUser(slackAdmin.user, { admin: true, tz: 'UTC' });
  const handle = unique('su');
  expect((await onSlack(influencer, 'storefront', `setup ${handle} ${handle}-20`)).visible).toContain('Storefront created');
  await seedEarning(db, handle, 4321, PRODUCT);
  const code = codeIn((await onSlack(slackAdmin, 'storefront', 'link-server')).visible)!;
  const guild = newGuild();
  const discordManager = guild.member({ permissions: PERMISSIONS.manageGuild });
  expect((await onDiscord(discordManager, 'storefront', 'link-server', { code })).visible).toContain('Server linked');
  return { slackAdmin, handle, guild, discordManager };
}

async function homeOf(who: SlackWho): Promise<string> {
  const before = app.slack.callsTo('views.publish').length;
  await sendEvent(app.rt.url, who.team, { type: 'app_home_opened', user: who.user, channel: 'D0HOME', tab: 'home', event_ts: `${Date.now() / 1000}` });
  const call = await app.slack.waitForCall('views.publish', (c) => c.body.user_id === who.user && app.slack.calls.indexOf(c) >= before);
  return slackVisible((call.body.view as { blocks: unknown[] }).blocks);
}

describe('when a Discord manager unlinks the server from the Slack team', () => {
  it('then unlink-server explains, unlink-server confirm detaches the server, and the Slack team keeps its figures', async () => {
    const t = await linkedTeam();
    expect(dollarsIn((await onDiscord(t.discordManager, 'earnings', undefined, { period: 'all', scope: 'team' })).visible)).toContain('$43.21');

    // Members are refused; the bare command only explains.
    expect((await onDiscord(t.guild.member(), 'storefront', 'unlink-server', { confirm: 'confirm' })).visible).toContain('Only managers');
    const preview = await onDiscord(t.discordManager, 'storefront', 'unlink-server');
    expect(preview.ephemeral).toBe(true);
    expect(preview.visible).toContain('Unlink this Discord server?');
    expect(preview.visible).toContain(`stay with the Slack workspace “${t.slackAdmin.team.toLowerCase()}”`);
    expect(preview.visible).toContain('To go ahead, run /storefront unlink-server confirm');
    expect((await onDiscord(t.discordManager, 'storefront', 'unlink-server', { confirm: 'yes' })).visible).toContain('Unknown argument “yes”');
    expect(dollarsIn((await onDiscord(t.discordManager, 'earnings', undefined, { period: 'all', scope: 'team' })).visible)).toContain('$43.21');

    const done = await onDiscord(t.discordManager, 'storefront', 'unlink-server', { confirm: 'confirm' });
    expect(done.ephemeral).toBe(true);
    expect(done.visible).toContain('Server unlinked');
    expect(done.visible).toContain('This Discord server has left');
    expect(done.visible).toContain('0 daily digest subscriptions');

    // The server now sees an empty team; Slack still sees everything.
    expect(dollarsIn((await onDiscord(t.discordManager, 'earnings', undefined, { period: 'all', scope: 'team' })).visible)).toEqual([]);
    expect((await onDiscord(t.discordManager, 'digest', 'now')).visible).toContain('No influencers in your team yet.');
    expect(dollarsIn((await onSlack(t.slackAdmin, 'earnings', 'all team')).visible)).toContain('$43.21');
    expect((await onSlack(t.slackAdmin, 'digest', 'now')).visible).toContain(`@${t.handle}`);
    expect((await onDiscord(t.discordManager, 'storefront', 'unlink-server', { confirm: 'confirm' })).visible).toContain('This Discord server is not linked');
  });
});

describe('when a Slack admin unlinks the workspace from the team’s Discord server', () => {
  it('then the Slack workspace starts empty, the Discord server keeps the team, and App Home shows both commands to managers', async () => {
    const t = await linkedTeam();
    const home = await homeOf(t.slackAdmin);
    expect(home).toContain('/storefront link-server [code]');
    expect(home).toContain('/storefront unlink-server [confirm]');

    const preview = await onSlack(t.slackAdmin, 'storefront', 'unlink-server');
    expect(preview.ephemeral).toBe(true);
    expect(preview.visible).toContain('Unlink this Slack workspace?');
    expect(preview.visible).toContain(`stay with the Discord server ${t.guild.guildId}`);
    const done = await onSlack(t.slackAdmin, 'storefront', 'unlink-server confirm');
    expect(done.ephemeral).toBe(true);
    expect(done.visible).toContain('Workspace unlinked');
    expect(done.visible).toContain(`now has a new, empty organisation of its own, also named ${t.slackAdmin.team.toLowerCase()}.`);

    expect(dollarsIn((await onSlack(t.slackAdmin, 'earnings', 'all team')).visible)).toEqual([]);
    expect((await onSlack(t.slackAdmin, 'digest', 'now')).visible).toContain('No influencers in your team yet.');
    expect(dollarsIn((await onDiscord(t.discordManager, 'earnings', undefined, { period: 'all', scope: 'team' })).visible)).toContain('$43.21');
    expect((await onSlack(t.slackAdmin, 'storefront', 'unlink-server confirm')).visible).toContain('This Slack workspace is not linked');
  });

  it('then Discord registers the subcommand with its optional confirm option', () => {
    const storefront = discordCommands().find((c) => c.name === 'storefront')!;
    expect(storefront.options!.find((o) => o.name === 'unlink-server')).toEqual({
      type: 1,
      name: 'unlink-server',
      description: 'Undo link-server: this workspace leaves the shared organisation for a new, empty one (managers)',
      options: [
        { type: 3, name: 'confirm', description: 'type confirm to unlink (leave out to see first what would happen)', required: false, max_length: 100 },
      ],
    });
  });

  it('then both help texts list the subcommand', async () => {
    expect((await onSlack(newTeam().member(), 'storefront', 'help')).visible).toContain('/storefront unlink-server [confirm]');
    expect((await onDiscord(newGuild().member(), 'storefront', 'help')).visible).toContain('/storefront unlink-server [confirm]');
  });
});
