// Slack OAuth `state` is single-use: the callback consumes it, so replaying the same
// /slack/oauth_redirect?code=…&state=… (with the same cookie) is refused, and the code is not exchanged again.
import { afterAll, describe, expect, it } from 'vitest';
import { redisStateStore } from '../../bots/slack/oauthStateStore.ts';
import { testDb, unique } from '../support/env.ts';
import { waitFor } from '../support/wait.ts';
import { beginInstall, useOAuthSlackApp } from '../slack/helpers.ts';

const db = testDb();
const app = useOAuthSlackApp();
afterAll(() => db.destroy());

describe('when the OAuth callback is replayed', () => {
  it('then the first callback installs, and the same code and state a second time are refused with nothing exchanged', async () => {
    const teamId = unique('TRP').toUpperCase();
    app.fake.install = { teamId, teamName: `Team ${teamId}`, botToken: `xoxb-${teamId.toLowerCase()}`, botUserId: `UB${teamId}`, scope: 'commands,chat:write' };
    const { state, cookie } = await beginInstall(app.rt.url);
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/); // random, not a signed document carrying anything
    const code = unique('code');
    const callback = `${app.rt.url}/slack/oauth_redirect?code=${code}&state=${encodeURIComponent(state)}`;

    const first = await fetch(callback, { headers: { cookie } });
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('The app is installed');

    const replay = await fetch(callback, { headers: { cookie } });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('Installation failed');
    // The refusal page is an HTML page of ours, with its protections.
    expect(replay.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(replay.headers.get('x-frame-options')).toBe('DENY');
    expect(app.fake.callsTo('oauth.v2.access').filter((c) => c.body.code === code)).toHaveLength(1);
  });

  it('then two callbacks racing with one state: exactly one installs', async () => {
    const teamId = unique('TRC').toUpperCase();
    app.fake.install = { teamId, teamName: `Team ${teamId}`, botToken: `xoxb-${teamId.toLowerCase()}`, botUserId: `UB${teamId}`, scope: 'commands,chat:write' };
    const { state, cookie } = await beginInstall(app.rt.url);
    const codes = [unique('c'), unique('c')];
    const answers = await Promise.all(
      codes.map((code) => fetch(`${app.rt.url}/slack/oauth_redirect?code=${code}&state=${encodeURIComponent(state)}`, { headers: { cookie } })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400]);
    expect(app.fake.callsTo('oauth.v2.access').filter((c) => codes.includes(String(c.body.code)))).toHaveLength(1);
  });
});

describe('the state store', () => {
  it('then a state expires with its cookie, and one never issued is refused', async () => {
    const prefix = `${app.rt.config.QUEUE_PREFIX}:test-oauth-state:`;
    const store = redisStateStore(app.rt.cacheRedis, prefix, 1);
    const state = await store.generateStateParam({ scopes: ['commands'] }, new Date());
    expect(await app.rt.cacheRedis.ttl(`${prefix}${state}`)).toBe(1);
    await waitFor(
      () => app.rt.cacheRedis.exists(`${prefix}${state}`),
      (n) => n === 0,
      5000,
    );
    await expect(store.verifyStateParam(new Date(), state)).rejects.toThrow(/already used, has expired, or was never issued/);
    await expect(store.verifyStateParam(new Date(), 'A'.repeat(43))).rejects.toThrow(/never issued/);
    await expect(store.verifyStateParam(new Date(), 'not a state')).rejects.toThrow(/not one we issued/);
    const fresh = await store.generateStateParam({ scopes: ['commands'], metadata: 'm' }, new Date());
    await expect(store.verifyStateParam(new Date(), fresh)).resolves.toEqual({ scopes: ['commands'], metadata: 'm' });
    await expect(store.verifyStateParam(new Date(), fresh)).rejects.toThrow(/already used/);
  });
});
