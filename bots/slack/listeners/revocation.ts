// tokens_revoked / app_uninstalled: the workspace's bot token is dead; mark the workspace revoked and clear it.
import type { App } from '@slack/bolt';
import type { SlackDeps } from '../deps.ts';
import { markWorkspaceRevoked } from '../../../src/domain/workspaces/slackWorkspaces.ts';

export function registerRevocation(app: App, deps: SlackDeps): void {
  const revoke = async (teamId: string, why: string) => {
    await markWorkspaceRevoked(deps.db, teamId);
    deps.installations?.forget(teamId);
    deps.log.info({ team: teamId, why }, 'Slack workspace revoked');
  };
  app.event('app_uninstalled', async ({ body }) => {
    await revoke(body.team_id, 'app_uninstalled');
  });
  app.event('tokens_revoked', async ({ event, body }) => {
    // User tokens alone (we request none) leave the bot working.
    if ((event.tokens.bot ?? []).length > 0) await revoke(body.team_id, 'tokens_revoked');
  });
}
