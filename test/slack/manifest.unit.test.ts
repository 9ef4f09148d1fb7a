import { describe, expect, it } from 'vitest';
import { buildManifest, usageHint } from '../../bots/slack/manifest.ts';
import { COMMANDS, findCommand } from '../../src/commands/index.ts';

describe('the Slack app manifest', () => {
  it('then it lists every command from the command core with its description and usage hint, pointed at our URL', () => {
    const m = buildManifest('https://go.example.com/');
    expect(m.features.slash_commands.map((c) => c.command)).toEqual(COMMANDS.map((c) => `/${c.name}`));
    expect(m.features.slash_commands.map((c) => c.command)).toEqual(['/storefront', '/link', '/earnings', '/digest']);
    const storefront = m.features.slash_commands[0]!;
    expect(storefront).toEqual({
      command: '/storefront',
      description: findCommand('storefront')!.description,
      usage_hint:
        'setup <handle> <tracking-id> [marketplace] | add <product> [list] | remove <asin> | show | notify <dm|here|off> | link-account [code] | join <code> | invite <user> <handle> | link-server [code] | unlink-server [confirm] | edit <asin> <title|image|note> [text] | profile <bio|avatar> [text] | feed-token <create|list|revoke> [token] | claims [list|approve|refuse] [claim] | autolink <on|off> | help',
      should_escape: true,
      url: 'https://go.example.com/slack/events',
    });
    expect(m.features.slash_commands[1]!.usage_hint).toBe('<product> [campaign]');
    expect(usageHint(findCommand('earnings')!)).toBe('[period] [me|team]');
  });

  it('then scopes, events, App Home, interactivity, OAuth redirect and the unfurl domain are set', () => {
    const m = buildManifest('https://go.example.com');
    expect(m.oauth_config).toEqual({
      redirect_urls: ['https://go.example.com/slack/oauth_redirect'],
      scopes: { bot: expect.arrayContaining(['commands', 'chat:write', 'im:write', 'users:read', 'links:read', 'links:write']) },
    });
    expect(m.settings.event_subscriptions).toEqual({
      request_url: 'https://go.example.com/slack/events',
      bot_events: ['app_home_opened', 'link_shared', 'tokens_revoked', 'app_uninstalled'],
    });
    expect(m.settings.interactivity).toEqual({ is_enabled: true, request_url: 'https://go.example.com/slack/events' });
    expect(m.features.app_home.home_tab_enabled).toBe(true);
    expect(m.features.unfurl_domains).toEqual(['go.example.com']);
    expect(m.settings.socket_mode_enabled).toBe(false);
    expect(m.display_information.name.length).toBeLessThanOrEqual(35);
    expect(m.display_information.description.length).toBeLessThanOrEqual(140);
  });

  it('then a Socket Mode manifest has no public URLs, and localhost gets no unfurl domain', () => {
    const m = buildManifest('http://localhost:3000', { socketMode: true });
    expect(m.settings.socket_mode_enabled).toBe(true);
    expect(JSON.stringify(m)).not.toContain('http://localhost:3000');
    expect(m.features.unfurl_domains).toBeUndefined();
  });
});
