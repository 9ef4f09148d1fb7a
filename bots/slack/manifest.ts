// `npm run slack:manifest`: the Slack app manifest, generated from the command definitions, so the app's
// commands, usage hints, scopes and events never drift from the code. Writes slack-manifest.json (or the
// file after --out), or prints it with --stdout; --socket makes a Socket Mode (development) manifest
// without public request URLs.
import { writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { pathToFileURL } from 'node:url';
import { COMMANDS } from '../../src/commands/index.ts';
import type { CommandDef } from '../../src/commands/types.ts';
import { helpLines } from '../../src/commands/usage.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { loadEnvFile } from '../../src/loadEnvFile.ts';
import { BOT_EVENTS, BOT_SCOPES, EVENTS_PATH, OAUTH_REDIRECT_PATH } from './scopes.ts';

// Manifest limits (Slack app manifest reference).
const MAX_COMMAND_DESCRIPTION = 2000;
const MAX_USAGE_HINT = 1000;

export interface SlackManifest {
  _metadata: { major_version: number; minor_version: number };
  display_information: { name: string; description: string; background_color: string };
  features: {
    app_home: { home_tab_enabled: boolean; messages_tab_enabled: boolean; messages_tab_read_only_enabled: boolean };
    bot_user: { display_name: string; always_online: boolean };
    slash_commands: Array<{ command: string; description: string; usage_hint: string; should_escape: boolean; url?: string }>;
    unfurl_domains?: string[];
  };
  oauth_config: { redirect_urls?: string[]; scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { bot_events: string[]; request_url?: string };
    interactivity: { is_enabled: boolean; request_url?: string };
    org_deploy_enabled: boolean;
    socket_mode_enabled: boolean;
    token_rotation_enabled: boolean;
  };
}

/** "setup <handle> <tracking-id> [marketplace] | add <product> [list] | …", from the same lines help shows. */
export function usageHint(cmd: CommandDef): string {
  const hint = helpLines(cmd)
    .map((h) => h.usage.slice(`/${cmd.name}`.length).trim())
    .filter(Boolean)
    .join(' | ');
  return hint.length > MAX_USAGE_HINT ? `${hint.slice(0, MAX_USAGE_HINT - 1)}…` : hint;
}

/** Slack refuses unfurl domains that are not public host names. */
function unfurlDomain(host: string): string | undefined {
  return host === 'localhost' || host.endsWith('.localhost') || isIP(host.replace(/^\[|\]$/g, '')) ? undefined : host;
}

export function buildManifest(publicBaseUrl: string, opts: { socketMode?: boolean } = {}): SlackManifest {
  const base = publicBaseUrl.replace(/\/+$/, '');
  const socket = opts.socketMode ?? false;
  const requestUrl = socket ? {} : { request_url: `${base}${EVENTS_PATH}` };
  const domain = unfurlDomain(new URL(base).hostname);
  return {
    _metadata: { major_version: 1, minor_version: 1 },
    display_information: {
      name: 'Affiliate Storefronts',
      description: 'Your Amazon storefront, tagged short links and commission, right in Slack.',
      background_color: '#232f3e',
    },
    features: {
      app_home: { home_tab_enabled: true, messages_tab_enabled: true, messages_tab_read_only_enabled: true },
      bot_user: { display_name: 'storefronts', always_online: true },
      slash_commands: COMMANDS.map((c) => ({
        command: `/${c.name}`,
        description: c.description.slice(0, MAX_COMMAND_DESCRIPTION),
        usage_hint: usageHint(c),
        // Mentions arrive as <@U…> (what /digest grant needs) and links unwrapped by the adapter.
        should_escape: true,
        ...(socket ? {} : { url: `${base}${EVENTS_PATH}` }),
      })),
      ...(domain ? { unfurl_domains: [domain] } : {}),
    },
    oauth_config: {
      ...(socket ? {} : { redirect_urls: [`${base}${OAUTH_REDIRECT_PATH}`] }),
      scopes: { bot: [...BOT_SCOPES] },
    },
    settings: {
      event_subscriptions: { ...requestUrl, bot_events: [...BOT_EVENTS] },
      interactivity: { is_enabled: true, ...requestUrl },
      org_deploy_enabled: false,
      socket_mode_enabled: socket,
      token_rotation_enabled: false,
    },
  };
}

export function main(argv: string[], env: NodeJS.ProcessEnv = process.env, out: (s: string) => void = (s) => process.stdout.write(s)): number {
  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const json = `${JSON.stringify(buildManifest(config.PUBLIC_BASE_URL, { socketMode: argv.includes('--socket') || config.SLACK_SOCKET_MODE }), null, 2)}\n`;
  if (argv.includes('--stdout')) {
    out(json);
  } else {
    const i = argv.indexOf('--out');
    const file = i >= 0 && argv[i + 1] ? argv[i + 1]! : 'slack-manifest.json';
    writeFileSync(file, json);
    out(`Wrote ${file} for ${config.PUBLIC_BASE_URL}\n`);
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  loadEnvFile();
  process.exitCode = main(process.argv.slice(2));
}
