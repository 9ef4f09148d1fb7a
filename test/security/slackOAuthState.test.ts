// Slack OAuth `state` is single-use: the callback consumes it, so replaying the same
// /slack/oauth_redirect?code=…&state=… (with the same cookie) is refused, and the code is not exchanged again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisStateStore } from '../../bots/slack/oauthStateStore.ts';
import { startTestApp, testDb, unique } from '../support/env.ts';
import { FakeSlack } from '../support/fakeSlack.ts';
import { waitFor } from '../support/wait.ts';
import { SIGNING_SECRET } from '../slack/helpers.ts';

const db = testDb();
let fake: FakeSlack;
let rt: Awaited<ReturnType<typeof startTestApp>>;

beforeAll(async () => {
  fake = await FakeSlack.start();
  rt = await startTestApp({
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_CLIENT_ID: '1111.2222',
    SLACK_CLIENT_SECRET: 'client-secret-for-tests',
    SLACK_STATE_SECRET: 'state-secret-for-tests-0123456789',
    SLACK_API_URL: fake.apiUrl,
  });
});
afterAll(async () => {
  await rt?.close();
  await fake?.close();
  await db.destroy();
});

async function beginInstall() {
  const res = await fetch(`${rt.url}/slack/install`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const state = new URL(res.headers.get('location')!).searchParams.get('state')!;
  return { state, cookie: res.headers.get('set-cookie')!.split(';')[0]! };
}

describe('when the OAuth callback is replayed', () => {
  it('then the first callback installs, and the same code and state a second time are refused with nothing exchanged', async () => {
    const teamId = unique('TRP').toUpperCase();
    fake.install = { teamId, teamName: `Team ${teamId}`, botToken: `xoxb-${teamId.toLowerCase()}`, botUserId: `UB${teamId}`, scope: 'commands,chat:write' };
    const { state, cookie } = await beginInstall();
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/); // random, not a signed document carrying anything
    const code = unique('code');
    const callback = `${rt.url}/slack/oauth_redirect?code=${code}&state=${encodeURIComponent(state)}`;

    const first = await fetch(callback, { headers: { cookie } });
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('The app is installed');

    const replay = await fetch(callback, { headers: { cookie } });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('Installation failed');
    // The refusal page is an HTML page of ours, with its protections.
    expect(replay.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(replay.headers.get('x-frame-options')).toBe('DENY');
    expect(fake.callsTo('oauth.v2.access').filter((c) => c.body.code === code)).toHaveLength(1);
  });

  it('then two callbacks racing with one state: exactly one installs', async () => {
    const teamId = unique('TRC').toUpperCase();
    fake.install = { teamId, teamName: `Team ${teamId}`, botToken: `xoxb-${teamId.toLowerCase()}`, botUserId: `UB${teamId}`, scope: 'commands,chat:write' };
    const { state, cookie } = await beginInstall();
    const codes = [unique('c'), unique('c')];
    const answers = await Promise.all(codes.map((code) => fetch(`${rt.url}/slack/oauth_redirect?code=${code}&state=${encodeURIComponent(state)}`, { headers: { cookie } })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400]);
    expect(fake.callsTo('oauth.v2.access').filter((c) => codes.includes(String(c.body.code)))).toHaveLength(1);
  });
});

describe('the state store', () => {
  it('then a state expires with its cookie, and one never issued is refused', async () => {
    const prefix = `${rt.config.QUEUE_PREFIX}:test-oauth-state:`;
    const store = redisStateStore(rt.cacheRedis, prefix, 1);
    const state = await store.generateStateParam({ scopes: ['commands'] }, new Date());
    expect(await rt.cacheRedis.ttl(`${prefix}${state}`)).toBe(1);
    await waitFor(() => rt.cacheRedis.exists(`${prefix}${state}`), (n) => n === 0, 5000);
    await expect(store.verifyStateParam(new Date(), state)).rejects.toThrow(/already used, has expired, or was never issued/);
    await expect(store.verifyStateParam(new Date(), 'A'.repeat(43))).rejects.toThrow(/never issued/);
    await expect(store.verifyStateParam(new Date(), 'not a state')).rejects.toThrow(/not one we issued/);
    const fresh = await store.generateStateParam({ scopes: ['commands'], metadata: 'm' }, new Date());
    await expect(store.verifyStateParam(new Date(), fresh)).resolves.toEqual({ scopes: ['commands'], metadata: 'm' });
    await expect(store.verifyStateParam(new Date(), fresh)).rejects.toThrow(/already used/);
  });
});
