// What the app asks Slack for. The manifest and the OAuth install read these, so they never disagree.
export const BOT_SCOPES = [
  'commands', // slash commands
  'chat:write', // notifications and digests
  'chat:write.public', // "/storefront notify here" in public channels the bot has not joined
  'im:write', // direct messages (notify dm, daily digest)
  'users:read', // admin/owner flags and time zone from users.info
  'links:read', // link_shared for our short-link domain
  'links:write', // chat.unfurl
] as const;

export const BOT_EVENTS = ['app_home_opened', 'link_shared', 'tokens_revoked', 'app_uninstalled'] as const;

export const EVENTS_PATH = '/slack/events';
export const INSTALL_PATH = '/slack/install';
export const OAUTH_REDIRECT_PATH = '/slack/oauth_redirect';
