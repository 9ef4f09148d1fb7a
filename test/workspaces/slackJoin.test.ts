// Through the real Slack endpoint: the operator's invite (CLI) and a manager's invite (/storefront invite @user)
// are redeemed with /storefront join, after which the person's /earnings and /storefront show are that storefront's.
import { afterAll, describe, expect, it } from 'vitest';
import { createInfluencer } from '../../src/domain/organisations/influencers.ts';
import { issueInvite } from '../../src/domain/workspaces/invites.ts';
import { testDb, unique } from '../support/env.ts';
import { newTeam, slash, useSlackApp, visibleText, type Who } from '../slack/helpers.ts';

const db = testDb();
afterAll(() => db.destroy());
const app = useSlackApp('xoxb-invites');

const say = async (who: Who, command: string, text: string) => visibleText((await slash(app.rt.url, app.fake, who, command, text)).reply.body.blocks);

/** A Slack team whose organisation exists (made by its manager's first command), with a storefront made by the operator in it. */
async function teamWithStorefront() {
  const t = newTeam();
  const manager = t.member();
  app.fake.setUser(manager.user, { admin: true, tz: 'UTC' });
  await say(manager, 'storefront', 'help');
  const organisationId = (await db.selectFrom('slack_workspaces').select('organisation_id').where('team_id', '=', t.team).executeTakeFirstOrThrow())
    .organisation_id;
  const handle = unique('join')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
  await createInfluencer(db, { handle, displayName: 'Jane', trackingId: `${handle}-20`, organisationId });
  return { team: t, manager, handle };
}

describe('when the real owner joins a storefront made for them', () => {
  it('then the operator’s invite, typed in Slack, makes the storefront theirs, once', async () => {
    const { team, handle } = await teamWithStorefront();
    const { code } = await issueInvite(db, handle);
    const jane = team.member();
    expect(await say(jane, 'storefront', `join ${code}`)).toContain(`@${handle} is now your storefront`);
    expect(await say(jane, 'storefront', 'show')).toContain(`/s/${handle}`);
    expect(await say(team.member(), 'storefront', `join ${code}`)).toContain('That invite code is not valid');
  });

  it('then a manager invites a named member, who alone can join with it; members cannot invite', async () => {
    const { team, manager, handle } = await teamWithStorefront();
    const jane = team.member();
    const issued = await say(manager, 'storefront', `invite <@${jane.user}> ${handle}`);
    expect(issued).toContain(`Invite for @${handle}`);
    const code = /join ([2-9A-Z]{5}-[2-9A-Z]{5})/.exec(issued)![1]!;
    expect(await say(team.member(), 'storefront', `join ${code}`)).toContain('That invite was issued to someone else.');
    expect(await say(jane, 'storefront', `join ${code}`)).toContain(`@${handle} is now your storefront`);
    expect(await say(team.member(), 'storefront', `invite <@${jane.user}> ${handle}`)).toMatch(/managers/i);
  });

  it('then a code from another team’s storefront is refused and changes nothing', async () => {
    const home = await teamWithStorefront();
    const { code } = await issueInvite(db, home.handle);
    const stranger = newTeam().member();
    expect(await say(stranger, 'storefront', `join ${code}`)).toContain('for a storefront of another organisation');
    expect(await say(home.team.member(), 'storefront', `join ${code}`)).toContain(`@${home.handle} is now your storefront`);
  });
});
