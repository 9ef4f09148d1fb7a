// Request verification on POST /slack/events: signature, age, replay, size, and Events API retries.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { SeenOnce } from '../../bots/slack/verify.ts';
import { testDb, unique } from '../support/env.ts';
import { commandForm, eventBody, newTeam, postToSlackEndpoint, sign, SIGNING_SECRET, useSlackApp } from './helpers.ts';

const db = testDb();
afterAll(() => db.destroy());
const app = useSlackApp('xoxb-verify');

const FORM = 'application/x-www-form-urlencoded';
/** Everything the app took has been handled (a refused request was never taken). */
const settled = () => app.rt.idle();

/** A /storefront setup for a new workspace, and how to tell afterwards whether it did anything at all. */
function setupAttempt() {
  const who = newTeam().member();
  const handle = unique('vf');
  const { id, url } = app.fake.responseUrl();
  const body = commandForm(who, 'storefront', `setup ${handle} ${handle}-20`, url);
  const effects = async () => ({
    influencer: await db.selectFrom('influencers').select('id').where('handle', '=', handle).executeTakeFirst(),
    workspace: await db.selectFrom('slack_workspaces').select('team_id').where('team_id', '=', who.team).executeTakeFirst(),
    identity: await db.selectFrom('platform_identities').select('id').where('workspace_id', '=', who.team).executeTakeFirst(),
    usersInfo: app.fake.callsTo('users.info').filter((c) => c.body.user === who.user).length,
    replies: app.fake.responses.filter((r) => r.id === id).length,
  });
  return { who, handle, id, body, effects };
}

const NOTHING = { influencer: undefined, workspace: undefined, identity: undefined, usersInfo: 0, replies: 0 };

describe('when a request to /slack/events is not from Slack', () => {
  it('then a wrong signature is refused with 401 and changes nothing', async () => {
    const a = setupAttempt();
    const ts = Math.floor(Date.now() / 1000);
    for (const signature of [sign('not-the-secret', ts, a.body), `v0=${'0'.repeat(64)}`, 'v0=short', '', sign(SIGNING_SECRET, ts, `${a.body}&x=1`)]) {
      const r = await postToSlackEndpoint(app.rt.url, a.body, FORM, { timestamp: ts, signature });
      expect(r.status, signature).toBe(401);
    }
    await settled();
    expect(await a.effects()).toEqual(NOTHING);
  });

  it('then a correctly signed request older than five minutes is refused with 401 and changes nothing', async () => {
    const a = setupAttempt();
    const old = Math.floor(Date.now() / 1000) - 5 * 60 - 5;
    expect((await postToSlackEndpoint(app.rt.url, a.body, FORM, { timestamp: old })).status).toBe(401);
    const future = Math.floor(Date.now() / 1000) + 10 * 60;
    expect((await postToSlackEndpoint(app.rt.url, a.body, FORM, { timestamp: future })).status).toBe(401);
    const res = await fetch(`${app.rt.url}/slack/events`, { method: 'POST', headers: { 'content-type': FORM }, body: a.body });
    expect(res.status).toBe(401);
    await settled();
    expect(await a.effects()).toEqual(NOTHING);
  });

  it('then a replayed request (same signature within five minutes) is refused with 401 and runs only once', async () => {
    const a = setupAttempt();
    const ts = Math.floor(Date.now() / 1000) - 30;
    const first = await postToSlackEndpoint(app.rt.url, a.body, FORM, { timestamp: ts });
    expect(first.status).toBe(200);
    await app.fake.waitForResponse(a.id);
    const after = await a.effects();
    expect(after.influencer).toBeDefined();
    const replay = await postToSlackEndpoint(app.rt.url, a.body, FORM, { timestamp: ts });
    expect(replay.status).toBe(401);
    expect(replay.text).toBe('Replayed request');
    await settled();
    expect(await a.effects()).toEqual(after);
    expect(after.replies).toBe(1);
  });

  it('then a body over 1 MB is refused with 413 before anything else', async () => {
    const a = setupAttempt();
    const big = `${a.body}&pad=${'x'.repeat(1024 * 1024)}`;
    expect((await postToSlackEndpoint(app.rt.url, big, FORM)).status).toBe(413);
    // Without a Content-Length (chunked), the cap applies while reading.
    const ts = Math.floor(Date.now() / 1000);
    const chunked = await fetch(`${app.rt.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': FORM, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(SIGNING_SECRET, ts, big) },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    await settled();
    expect(await a.effects()).toEqual(NOTHING);
  });
});

describe('when Slack sends a request', () => {
  it('then the URL verification challenge is answered', async () => {
    const body = JSON.stringify({ token: 'x', challenge: 'c-123', type: 'url_verification' });
    const r = await postToSlackEndpoint(app.rt.url, body, 'application/json');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ challenge: 'c-123' });
    expect((await postToSlackEndpoint(app.rt.url, body, 'application/json', { signature: 'v0=bad' })).status).toBe(401);
  });

  it('then an event retried with X-Slack-Retry-Num (new signature, same event_id) is taken once', async () => {
    const { team, member } = newTeam();
    const user = member().user;
    const eventId = unique('Ev');
    const event = { type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: `${Date.now() / 1000}` };
    const first = await postToSlackEndpoint(app.rt.url, eventBody(team, event, eventId), 'application/json');
    expect(first.status).toBe(200);
    await app.fake.waitForCall('views.publish', (c) => c.body.user_id === user);
    const retry = await postToSlackEndpoint(app.rt.url, eventBody(team, event, eventId), 'application/json', {
      timestamp: Math.floor(Date.now() / 1000) - 1,
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(retry.status).toBe(200);
    await settled();
    expect(app.fake.callsTo('views.publish').filter((c) => c.body.user_id === user)).toHaveLength(1);
  });

  it('then a click on one of our link buttons (interactivity payload) is acknowledged at once and does nothing else', async () => {
    const { team, member } = newTeam();
    const user = member().user;
    const before = app.fake.calls.length;
    const payload = {
      type: 'block_actions',
      team: { id: team, domain: 'x' },
      user: { id: user, team_id: team },
      api_app_id: 'AFAKE',
      token: 'x',
      trigger_id: '1.2.3',
      container: { type: 'message', message_ts: '1.1', channel_id: 'C0TEST', is_ephemeral: true },
      channel: { id: 'C0TEST', name: 'general' },
      response_url: app.fake.responseUrl().url,
      actions: [
        {
          type: 'button',
          action_id: 'link_button_0',
          block_id: 'b1',
          text: { type: 'plain_text', text: 'Open storefront' },
          url: 'http://links.test/s/x',
          action_ts: '1.2',
        },
      ],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const r = await postToSlackEndpoint(app.rt.url, body, FORM);
    expect(r.status).toBe(200);
    expect(r.ms).toBeLessThan(3000);
    await settled();
    expect(app.fake.calls.slice(before).filter((c) => c.method !== 'auth.test')).toEqual([]);
    expect((await postToSlackEndpoint(app.rt.url, body, FORM, { secret: 'wrong' })).status).toBe(401);
  });
});

describe('the replay memory', () => {
  it('then a key is new once across processes sharing Redis, and still refused in-process while Redis is away', async () => {
    const live = new Redis(app.rt.config.REDIS_URL, { lazyConnect: false });
    const down = new Redis('redis://127.0.0.1:1', { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null });
    try {
      const prefix = `${app.rt.config.QUEUE_PREFIX}:test-seen:`;
      const key = unique('sig');
      expect(await new SeenOnce(live, prefix, 300).first(key)).toBe(true);
      expect(await new SeenOnce(live, prefix, 300).first(key)).toBe(false); // another process
      expect(await live.ttl(`${prefix}${key}`)).toBeGreaterThan(290);
      const offline = new SeenOnce(down, prefix, 300);
      expect(await offline.first(key)).toBe(true); // Redis unreachable: memory only
      expect(await offline.first(key)).toBe(false);
    } finally {
      live.disconnect();
      down.disconnect();
    }
  });
});
