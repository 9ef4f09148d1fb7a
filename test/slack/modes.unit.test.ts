// Which Slack mode runs, from configuration alone: off, single workspace, OAuth, or Socket Mode.
import { afterAll, describe, expect, it } from 'vitest';
import { createSlackAdapter } from '../../bots/slack/index.ts';
import { ConfigError, loadConfig, platformsEnabled } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { startTestApp, testConfig, testDb } from '../support/env.ts';
import { postToSlackEndpoint, SIGNING_SECRET } from './helpers.ts';

const db = testDb();
afterAll(() => db.destroy());

const adapter = (env: Record<string, string>) =>
  createSlackAdapter({ config: testConfig(env), db, cacheRedis: undefined as never, log: createLogger('silent') });

describe('when Slack is not configured', () => {
  it('then nothing is mounted: /slack/events and /slack/install are plain 404s', async () => {
    const rt = await startTestApp();
    try {
      expect(platformsEnabled(rt.config).slack).toBe(false);
      expect((await postToSlackEndpoint(rt.url, 'command=%2Fstorefront', 'application/x-www-form-urlencoded')).status).toBe(404);
      expect((await fetch(`${rt.url}/slack/install`)).status).toBe(404);
    } finally {
      await rt.close();
    }
  });

  it('then a single-workspace app has no install route', async () => {
    const rt = await startTestApp({ SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: 'xoxb-x', SLACK_API_URL: 'http://127.0.0.1:9/api/' });
    try {
      expect((await fetch(`${rt.url}/slack/install`, { redirect: 'manual' })).status).toBe(404);
      expect((await postToSlackEndpoint(rt.url, 'x=1', 'application/x-www-form-urlencoded', { signature: 'v0=nope' })).status).toBe(401);
    } finally {
      await rt.close();
    }
  });
});

describe('when Slack variables are set', () => {
  it('then the mode follows them, and an incomplete set is refused with a message naming what is missing', () => {
    expect(adapter({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1' }).mode).toBe('single-workspace');
    const oauth = adapter({ SLACK_SIGNING_SECRET: 's', SLACK_CLIENT_ID: '1.2', SLACK_CLIENT_SECRET: 'c', SLACK_STATE_SECRET: 'state' });
    expect(oauth.mode).toBe('oauth');
    expect(oauth.mount).toBeTypeOf('function');
    const socket = adapter({ SLACK_SOCKET_MODE: '1', SLACK_APP_TOKEN: 'xapp-1-A-1-abc', SLACK_BOT_TOKEN: 'xoxb-1' });
    expect(socket.mode).toBe('socket');
    expect(socket.mount).toBeUndefined();
    expect(() => adapter({ SLACK_SIGNING_SECRET: 's', SLACK_CLIENT_ID: '1.2', SLACK_CLIENT_SECRET: 'c' })).toThrow(/SLACK_STATE_SECRET/);
    expect(() => adapter({ SLACK_SOCKET_MODE: '1', SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/SLACK_APP_TOKEN/);
    expect(() => adapter({ SLACK_SOCKET_MODE: '1', SLACK_APP_TOKEN: 'xapp-1' })).toThrow(/SLACK_BOT_TOKEN/);
  });

  it('then Socket Mode counts as configured without a signing secret, and the app token must be an xapp- token', () => {
    expect(platformsEnabled(loadConfig({ SLACK_SOCKET_MODE: '1', SLACK_APP_TOKEN: 'xapp-1', SLACK_BOT_TOKEN: 'xoxb-1' })).slack).toBe(true);
    expect(platformsEnabled(loadConfig({ SLACK_APP_TOKEN: 'xapp-1', SLACK_BOT_TOKEN: 'xoxb-1' })).slack).toBe(false);
    expect(() => loadConfig({ SLACK_APP_TOKEN: 'xoxb-wrong' })).toThrow(ConfigError);
    expect(() => loadConfig({ SLACK_APP_TOKEN: 'xoxb-wrong' })).toThrow(/SLACK_APP_TOKEN must be an app-level token/);
  });
});
