// Outbound Slack messages for notifications and digests: the workspace's bot token, the rendered card (its chart
// shown inside the message as an image block from a signed URL of this service, see ../hostedFiles.ts), file
// uploads into the message's thread (the card's other files, then any passed along), and Slack's failures mapped
// onto the notifier's two cases (wait, or give up).
import { webApi } from '@slack/bolt';
import type { Config } from '../../src/config.ts';
import type { Db } from '../../src/db/database.ts';
import { activeSlackBotToken, isSlackWorkspaceRevoked } from '../../src/domain/workspaces/slackWorkspaces.ts';
import { DestinationGoneError, RateLimitedError, type Attachment, type PlatformSender } from '../../src/delivery.ts';
import { secretBoxFor } from '../../src/secrets/secretBox.ts';
import { botTokenContext } from '../../src/secrets/storedSecrets.ts';
import { cardAttachments, type Card } from '../../src/cards/card.ts';
import type { SignedFiles } from '../../src/http/signedFiles.ts';
import { withHostedFiles } from './hostedFiles.ts';
import { renderCard } from './render.ts';

// Errors after which retrying cannot help: the token or the channel is gone, or the bot may not post there.
const GONE = new Set([
  'account_inactive',
  'token_revoked',
  'invalid_auth',
  'not_authed',
  'channel_not_found',
  'is_archived',
  'not_in_channel',
  'user_not_found',
  'user_disabled',
  'cannot_dm_bot',
  'missing_scope',
  'team_access_not_granted',
  'restricted_action',
]);

const NOTICE_EVENT = 'affiliate_notice';

export interface SlackSenders {
  /** The sender for a workspace, or a DestinationGoneError when it has no usable token. */
  forWorkspace(
    teamId: string,
  ): Promise<PlatformSender & { findSent(target: { userId?: string; channelId?: string }, key: string): Promise<string | undefined> }>;
}

/** `files`: where charts are served from; without it a chart is uploaded into the thread like any file. */
export function createSlackSenders(deps: { config: Config; db: Db; files?: SignedFiles | undefined }): SlackSenders {
  const { config, db } = deps;
  const clients = new Map<string, webApi.WebClient>();
  const client = (token: string) => {
    let c = clients.get(token);
    if (!c) {
      // Rate limits come back to us (the notifier pauses the destination instead of blocking a worker).
      c = new webApi.WebClient(token, {
        slackApiUrl: config.SLACK_API_URL,
        rejectRateLimitedCalls: true,
        retryConfig: { retries: 2, factor: 1.5, minTimeout: 200, maxTimeout: 2000 },
      });
      clients.set(token, c);
    }
    return c;
  };

  async function tokenFor(teamId: string): Promise<string> {
    if (config.SLACK_CLIENT_ID && config.SLACK_CLIENT_SECRET && !config.SLACK_SOCKET_MODE) {
      const botToken = await activeSlackBotToken(db, teamId);
      if (!botToken) throw new DestinationGoneError('the Slack app is no longer installed in this workspace');
      // Sealed at rest (plaintext from before sealing is read as is).
      return secretBoxFor(config).open(botToken, botTokenContext(teamId));
    }
    if (!config.SLACK_BOT_TOKEN) throw new DestinationGoneError('Slack is not configured');
    if (await isSlackWorkspaceRevoked(db, teamId)) throw new DestinationGoneError('the Slack token was revoked');
    return config.SLACK_BOT_TOKEN;
  }

  return {
    async forWorkspace(teamId) {
      const web = client(await tokenFor(teamId));
      const call = async <T>(fn: () => Promise<T>): Promise<T> => {
        try {
          return await fn();
        } catch (err) {
          throw mapSlackError(err);
        }
      };
      const dmChannel = async (userId: string) => (await call(() => web.conversations.open({ users: userId }))).channel!.id!;
      const post = async (channel: string, reply: Card, opts: { files?: Attachment[]; idempotencyKey?: string } = {}) => {
        const card = deps.files ? await withHostedFiles(reply, deps.files, { filesAsLinks: false }) : reply;
        const { text, blocks } = renderCard(card);
        const res = await call(() =>
          web.chat.postMessage({
            channel,
            text,
            blocks: blocks as never,
            unfurl_links: false,
            unfurl_media: false,
            // The key rides along as message metadata, so an uncertain retry can look for it first.
            ...(opts.idempotencyKey ? { metadata: { event_type: NOTICE_EVENT, event_payload: { key: opts.idempotencyKey } } } : {}),
          }),
        );
        for (const f of [...cardAttachments(card), ...(opts.files ?? [])]) {
          await call(() => web.filesUploadV2({ channel_id: res.channel!, thread_ts: res.ts!, file: f.data, filename: f.name, title: f.name }));
        }
        return { messageId: `${res.channel}:${res.ts}` };
      };
      return {
        sendToUser: async (userId, reply, opts) => post(await dmChannel(userId), reply, opts),
        sendToChannel: (channelId, reply, opts) => post(channelId, reply, opts),
        async findSent(target, key) {
          const channel = target.channelId ?? (await dmChannel(target.userId!));
          const history = await call(() => web.conversations.history({ channel, limit: 50, include_all_metadata: true }));
          const hit = history.messages?.find((m) => (m.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key === key);
          return hit ? `${channel}:${hit.ts}` : undefined;
        },
      };
    },
  };
}

function mapSlackError(err: unknown): unknown {
  const e = err as { code?: string; retryAfter?: number; data?: { error?: string } };
  if (e?.code === webApi.ErrorCode.RateLimitedError) return new RateLimitedError(Math.max(1, e.retryAfter ?? 1) * 1000);
  if (e?.code === webApi.ErrorCode.PlatformError && e.data?.error && GONE.has(e.data.error)) return new DestinationGoneError(`Slack says ${e.data.error}`);
  return err;
}
