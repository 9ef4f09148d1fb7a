// OAuth multi-workspace install: /slack/install → Slack's authorize page → /slack/oauth_redirect, the
// installation stored in Postgres, used per workspace, and cleared on uninstall.
import { afterAll, describe, expect, it } from 'vitest';
import { testDb, unique } from '../support/env.ts';
import { secretBoxFor } from '../../src/secrets/secretBox.ts';
import { botTokenContext } from '../../src/secrets/storedSecrets.ts';
import { beginInstall, commandForm, postToSlackEndpoint, sendEvent, slash, useOAuthSlackApp, visibleText } from './helpers.ts';

const db = testDb();
const app = useOAuthSlackApp();
afterAll(() => db.destroy());

async function install(teamId = unique('T').toUpperCase()) {
  app.fake.install = {
    teamId,
    teamName: `Team ${teamId}`,
    botToken: `xoxb-${teamId.toLowerCase()}`,
    botUserId: `UB${teamId}`,
    scope: 'commands,chat:write,users:read',
  };
  const { cookie, state } = await beginInstall(app.rt.url);
  const code = unique('code');
  const res = await fetch(`${app.rt.url}/slack/oauth_redirect?code=${code}&state=${encodeURIComponent(state)}`, { headers: { cookie } });
  return { res, code, teamId, botToken: app.fake.install.botToken, html: await res.text() };
}

describe('when a workspace installs the app', () => {
  it('then /slack/install redirects to Slack’s authorize page with our client id, scopes, redirect URL and a state cookie', async () => {
    const { location, cookie, state } = await beginInstall(app.rt.url);
    expect(`${location.origin}${location.pathname}`).toBe(`${app.fake.url}/oauth/v2/authorize`);
    expect(location.searchParams.get('client_id')).toBe('1111.2222');
    expect(location.searchParams.get('scope')!.split(',')).toEqual(
      expect.arrayContaining(['commands', 'chat:write', 'im:write', 'users:read', 'links:read', 'links:write']),
    );
    expect(location.searchParams.get('redirect_uri')).toBe('http://links.test/slack/oauth_redirect');
    expect(state).toBeTruthy();
    expect(cookie).toBe(`slack-app-oauth-state=${state}`);
  });

  it('then the callback exchanges the code and stores the installation, bound to one organisation, without tokens in the JSON', async () => {
    const { res, code, teamId, botToken, html } = await install();
    expect(res.status).toBe(200);
    expect(html).toContain('The app is installed in your workspace.');
    const exchange = app.fake.callsTo('oauth.v2.access').find((c) => c.body.code === code)!;
    expect(exchange.body).toMatchObject({
      client_id: '1111.2222',
      client_secret: 'client-secret-for-tests',
      redirect_uri: 'http://links.test/slack/oauth_redirect',
    });
    const row = await db.selectFrom('slack_workspaces').selectAll().where('team_id', '=', teamId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      bot_token: expect.stringMatching(/^enc:v1:/),
      bot_user_id: `UB${teamId}`,
      name: `Team ${teamId}`,
      enterprise_id: null,
      revoked_at: null,
    });
    // Sealed at rest (test/security/secretsAtRest.test.ts has the rest).
    expect(secretBoxFor(app.rt.config).open(row.bot_token!, botTokenContext(teamId))).toBe(botToken);
    expect(await db.selectFrom('organisations').select('name').where('id', '=', row.organisation_id).executeTakeFirstOrThrow()).toEqual({
      name: `Team ${teamId}`,
    });
    expect(row.installation).toMatchObject({ team: { id: teamId }, bot: { userId: `UB${teamId}`, scopes: ['commands', 'chat:write', 'users:read'] } });
    expect(JSON.stringify(row.installation)).not.toContain(botToken);
  });

  it('then a callback whose state is not from this browser stores nothing', async () => {
    const teamId = unique('T').toUpperCase();
    app.fake.install = { ...app.fake.install, teamId };
    const { state } = await beginInstall(app.rt.url);
    const res = await fetch(`${app.rt.url}/slack/oauth_redirect?code=x&state=${encodeURIComponent(state)}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Installation failed');
    const forged = await fetch(`${app.rt.url}/slack/oauth_redirect?code=x&state=forged`, { headers: { cookie: 'slack-app-oauth-state=forged' } });
    expect(forged.status).toBe(400);
    expect(await db.selectFrom('slack_workspaces').select('team_id').where('team_id', '=', teamId).executeTakeFirst()).toBeUndefined();
  });

  it('then commands from that workspace use its own token, and after uninstall the token is gone and nothing runs', async () => {
    const { teamId, botToken } = await install();
    const user = unique('U').toUpperCase();
    app.fake.setUser(user, { admin: true });
    const handle = unique('oa');
    const { reply } = await slash(app.rt.url, app.fake, { team: teamId, user }, 'storefront', `setup ${handle} ${handle}-20`);
    expect(visibleText(reply.body.blocks)).toContain('Storefront created');
    expect(app.fake.callsTo('users.info').find((c) => c.body.user === user)!.token).toBe(botToken);
    const org = (await db.selectFrom('slack_workspaces').select('organisation_id').where('team_id', '=', teamId).executeTakeFirstOrThrow()).organisation_id;
    expect(await db.selectFrom('influencers').select('organisation_id').where('handle', '=', handle).executeTakeFirstOrThrow()).toEqual({
      organisation_id: org,
    });

    expect((await sendEvent(app.rt.url, teamId, { type: 'app_uninstalled', event_ts: '1.1' })).status).toBe(200);
    await app.rt.idle();
    const row = await db.selectFrom('slack_workspaces').select(['bot_token', 'revoked_at']).where('team_id', '=', teamId).executeTakeFirstOrThrow();
    expect(row.bot_token).toBeNull();
    expect(row.revoked_at).toBeInstanceOf(Date);

    // A (signed) command from the uninstalled workspace finds no installation: no Slack call, no reply, no data.
    const callsBefore = app.fake.calls.length;
    const { id, url } = app.fake.responseUrl();
    const other = unique('oa');
    const r = await postToSlackEndpoint(
      app.rt.url,
      commandForm({ team: teamId, user }, 'storefront', `setup ${other} ${other}-20`, url),
      'application/x-www-form-urlencoded',
    );
    expect(r.status).toBe(200);
    await app.rt.idle();
    expect(app.fake.calls.slice(callsBefore)).toEqual([]);
    expect(app.fake.responses.find((x) => x.id === id)).toBeUndefined();
    expect(await db.selectFrom('influencers').select('id').where('handle', '=', other).executeTakeFirst()).toBeUndefined();

    // Installing again restores it.
    await install(teamId);
    expect(await db.selectFrom('slack_workspaces').select(['revoked_at', 'organisation_id']).where('team_id', '=', teamId).executeTakeFirstOrThrow()).toEqual({
      revoked_at: null,
      organisation_id: org,
    });
  });

  it('then a command from a workspace that never installed the app does nothing', async () => {
    const { id, url } = app.fake.responseUrl();
    const team = unique('T').toUpperCase();
    const r = await postToSlackEndpoint(app.rt.url, commandForm({ team, user: 'U1' }, 'storefront', 'show', url), 'application/x-www-form-urlencoded');
    expect(r.status).toBe(200);
    await app.rt.idle();
    expect(app.fake.responses.find((x) => x.id === id)).toBeUndefined();
    expect(await db.selectFrom('slack_workspaces').select('team_id').where('team_id', '=', team).executeTakeFirst()).toBeUndefined();
  });
});
