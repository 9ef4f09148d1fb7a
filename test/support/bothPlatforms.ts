// One running app with Slack and Discord both on, each pointed at its local fake API: for tests that drive the
// same team through both real endpoints. Registers its own beforeAll/afterAll; read `app` inside tests only.
import { afterAll, beforeAll } from 'vitest';
import { discordEnv, slash as discordSlash, type Who as DiscordWho } from '../discord/helpers.ts';
import { SIGNING_SECRET, slash as slackSlash, visibleText as slackVisible, type Who as SlackWho } from '../slack/helpers.ts';
import { startTestApp } from './env.ts';
import { FakeDiscord } from './fakeDiscord.ts';
import { FakeSlack } from './fakeSlack.ts';

export interface BothPlatforms {
  rt: Awaited<ReturnType<typeof startTestApp>>;
  slack: FakeSlack;
  discord: FakeDiscord;
}

export function useBothPlatforms(slackBotToken: string, overrides: Record<string, string> = {}) {
  const app = {} as BothPlatforms;
  beforeAll(async () => {
    app.slack = await FakeSlack.start();
    app.discord = await FakeDiscord.start();
    app.rt = await startTestApp({
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: slackBotToken,
      SLACK_API_URL: app.slack.apiUrl,
      ...discordEnv(app.discord),
      ...overrides,
    });
  });
  afterAll(async () => {
    await app.rt?.close();
    await app.slack?.close();
    await app.discord?.close();
  });
  /** A signed Slack slash command; what arrived at its response_url. */
  async function onSlack(who: SlackWho, command: string, text: string) {
    const { reply } = await slackSlash(app.rt.url, app.slack, who, command, text);
    return { reply, visible: slackVisible(reply.body.blocks), ephemeral: reply.body.response_type === 'ephemeral' };
  }
  /** A signed Discord interaction, answered as the app answered it. */
  const onDiscord = (who: DiscordWho, command: string, sub?: string, values: Record<string, string | number> = {}) =>
    discordSlash(app.rt.url, app.discord, who, command, sub, values);
  return { app, onSlack, onDiscord };
}
