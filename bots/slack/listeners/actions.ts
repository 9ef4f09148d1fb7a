// Interactivity. Action buttons of the command core (src/commands/actions.ts, rendered with action_id
// "<action>#<n>"): ack at once, then resolve who pressed (the payload's team and user, never its value), run the
// action and answer privately through response_url. Link buttons are acknowledged and do nothing; any other
// interaction this app does not know (a stale message, another version, a shortcut) is acknowledged at once and,
// where Slack lets us answer, the person is told privately.
import type { App, BlockAction, ButtonAction, RespondFn, webApi } from '@slack/bolt';
import { ACTIONS, cardOrFailure, findAction, runAction, type Card } from '../../../src/commands/index.ts';
import { errorCard, notHandledCard } from '../../../src/cards/status.ts';
import type { SlackDeps } from '../deps.ts';
import { slackIdentity } from '../identity.ts';
import { parseSlackActionId, renderReply } from '../render.ts';

const ids = ACTIONS.map((a) => a.id.replace(/[^A-Za-z0-9_]/g, '')).join('|');
/** action_ids of the command core's buttons. */
export const COMMAND_ACTION = new RegExp(`^(?:${ids})#\\d{1,4}$`);
/** Everything else. */
const OTHER_ACTION = new RegExp(`^(?!(?:${ids})#\\d{1,4}$)`);

type ButtonPress = BlockAction<ButtonAction>;

export async function replyForAction(deps: SlackDeps, client: webApi.WebClient, body: ButtonPress, action: ButtonAction): Promise<Card> {
  const actionId = parseSlackActionId(action.action_id) ?? '';
  const teamId = body.team?.id ?? body.user.team_id ?? '';
  const log = deps.log.child({ action: actionId, team: teamId, user: body.user.id });
  return cardOrFailure(log, 'Slack action failed', async () => {
    const def = findAction(actionId);
    if (!def) return errorCard('This button is no longer available.');
    const identity = await slackIdentity(deps.db, deps.users, client, { teamId, teamName: body.team?.domain, userId: body.user.id });
    return runAction(
      def,
      typeof action.value === 'string' ? action.value : '',
      { db: deps.db, readDb: deps.readDb, config: deps.config, identity, resolveShort: deps.resolveShort, channelId: body.channel?.id },
      log,
    );
  });
}

/** The command core's buttons (registered with the commands, whose dependencies they share). */
export function registerCommandActions(app: App, deps: SlackDeps): void {
  app.action<ButtonPress>(COMMAND_ACTION, async ({ ack, body, action, respond, client }) => {
    await ack();
    const reply = await replyForAction(deps, client, body, action);
    try {
      await respond({ response_type: 'ephemeral', replace_original: false, ...renderReply(reply) });
    } catch (err) {
      deps.log.warn({ err, action: action.action_id, team: body.team?.id }, 'could not deliver the action reply to response_url');
    }
  });
}

/** A link button (rendered by buttonBlocks): Slack opens its URL and tells us; there is nothing to do. */
const LINK_BUTTON = /^link_button_\d+$/;

/**
 * Every interaction the command core does not handle is acknowledged at once, so Slack never shows the person its
 * "didn't respond" warning; where Slack gives a way to answer (a response_url), they are told so, privately.
 * Registered last: Bolt runs every matching listener, and these match only what nothing else does.
 */
export function registerUnhandledInteractions(app: App, log: SlackDeps['log']): void {
  const politely = async (respond: RespondFn, what: string) => {
    try {
      await respond({ response_type: 'ephemeral', replace_original: false, ...renderReply(notHandledCard()) });
    } catch (err) {
      log.warn({ err, what }, 'could not tell the user an interaction is not handled');
    }
  };
  app.action(OTHER_ACTION, async ({ ack, action, respond, body }) => {
    await ack();
    const id = 'action_id' in action ? action.action_id : '';
    if (LINK_BUTTON.test(id)) return;
    log.info({ action: id, team: body.team?.id }, 'unhandled Slack action acknowledged');
    if ('response_url' in body && body.response_url) await politely(respond, id);
  });
  app.shortcut(/.*/, async ({ ack, shortcut, respond }) => {
    await ack();
    log.info({ shortcut: shortcut.callback_id, type: shortcut.type }, 'unhandled Slack shortcut acknowledged');
    // A message shortcut carries a response_url; a global one has nowhere to answer in.
    if (shortcut.type === 'message_action' && shortcut.response_url) await politely(respond, shortcut.callback_id);
  });
  // This app opens no modals: a submission or close of someone else's view is closed quietly.
  app.view({ callback_id: /.*/, type: 'view_submission' }, async ({ ack }) => {
    await ack();
  });
  app.view({ callback_id: /.*/, type: 'view_closed' }, async ({ ack }) => {
    await ack();
  });
  app.options(/.*/, async ({ ack }) => {
    await ack({ options: [] });
  });
}
