// Slash commands: ack first (Slack wants an answer within 3 seconds), then map the input onto the command
// core and deliver its card through response_url. No command behaviour lives here. response_url carries no files:
// a card's chart is shown as an image block and its CSV offered as a download button, both from signed URLs of
// this service (../hostedFiles.ts), so the answer stays private and where it was asked.
import type { App, SlashCommand, webApi } from '@slack/bolt';
import { cardOrFailure, COMMANDS, parseText, runCommand, type Card, type CommandDef } from '../../../src/commands/index.ts';
import { errorCard } from '../../../src/cards/status.ts';
import type { SlackDeps } from '../deps.ts';
import { slackIdentity } from '../identity.ts';
import { renderReply } from '../render.ts';
import { withHostedFiles, withoutFiles } from '../hostedFiles.ts';
import { commandTextFromSlack, isDirectMessage } from '../text.ts';
import { registerCommandActions } from './actions.ts';

export async function replyForCommand(deps: SlackDeps, client: webApi.WebClient, def: CommandDef, command: SlashCommand): Promise<Card> {
  const log = deps.log.child({ command: def.name, team: command.team_id, user: command.user_id });
  return cardOrFailure(log, 'Slack command failed', async () => {
    const parsed = parseText(def, commandTextFromSlack(command.text ?? ''));
    if ('visibility' in parsed) return parsed; // usage help or a parse error: nothing to look up
    const identity = await slackIdentity(deps.db, deps.users, client, { teamId: command.team_id, teamName: command.team_domain, userId: command.user_id });
    return runCommand(
      def,
      parsed,
      {
        db: deps.db,
        readDb: deps.readDb,
        config: deps.config,
        identity,
        resolveShort: deps.resolveShort,
        channelId: command.channel_id || undefined,
        isDirectMessage: isDirectMessage(command.channel_id, command.channel_name),
      },
      log,
    );
  });
}

export function registerCommands(app: App, deps: SlackDeps): void {
  // The buttons on command replies (Approve, Refuse, Withdraw) run through the same core with the same dependencies.
  registerCommandActions(app, deps);
  for (const def of COMMANDS) {
    app.command(`/${def.name}`, async ({ command, ack, respond, client }) => {
      await ack();
      let reply = await replyForCommand(deps, client, def, command);
      if (deps.files) {
        const files = deps.files;
        reply = await withHostedFiles(reply, files, { filesAsLinks: true }).catch((err: unknown) => {
          deps.log.warn({ err, command: def.name, team: command.team_id }, "could not host the reply's chart or files; answering without them");
          return withoutFiles(reply);
        });
      } else reply = withoutFiles(reply);
      try {
        await respond({ response_type: reply.visibility === 'channel' ? 'in_channel' : 'ephemeral', ...renderReply(reply) });
      } catch (err) {
        deps.log.warn({ err, command: def.name, team: command.team_id }, 'could not deliver the reply to response_url');
      }
    });
  }
  // A command Slack still sends but this version does not have (the app's manifest was not updated): say so in
  // the ack, as Discord's adapter does, rather than leave Slack to show the user a timeout. Bolt runs every
  // matching listener, so this one matches only names that no command above has.
  const known = COMMANDS.map((d) => d.name.replace(/[^a-z0-9-]/g, '')).join('|');
  app.command(new RegExp(`^/(?!(?:${known})$)`), async ({ command, ack }) => {
    const name = command.command.slice(0, 33);
    await ack({
      response_type: 'ephemeral',
      ...renderReply(errorCard(`${name} is not a command of this app any more. An administrator should update the app from npm run slack:manifest.`)),
    });
  });
}
