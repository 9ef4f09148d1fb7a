// Outbound Discord messages for the notifier and the digest: a DM to a user (through the DM channel, created
// once per user and cached) or a post in a channel, with the card's chart and files as attachments. discord.js REST queues
// requests per route, waits out 429s (retry_after) and keeps under the global limit on its own. Failures that
// will not heal by retrying become DestinationGoneError, so the caller can mark the destination broken.
import { createHash } from 'node:crypto';
import { DiscordAPIError, REST } from '@discordjs/rest';
import { Routes, type APIChannel, type APIMessage } from 'discord-api-types/v10';
import { LRUCache } from 'lru-cache';
import { cardAttachments, type Card } from '../../src/cards/card.ts';
import { restFiles, withAttachments } from './attachments.ts';
import { renderCard } from './render.ts';

import { DestinationGoneError, type PlatformSender } from '../../src/delivery.ts';

export { DestinationGoneError };
type SendOptions = Parameters<PlatformSender['sendToUser']>[2];

// Discord JSON error codes (Opcodes and Status Codes topic) that mean "this destination is gone".
const GONE_CODES: Record<number, string> = {
  10003: 'the Discord channel no longer exists',
  10013: 'the Discord user no longer exists',
  50001: 'the bot has no access to the Discord channel',
  50007: 'Discord will not deliver direct messages to this user (DMs closed or no shared server)',
  50013: 'the bot lacks permission to post in the Discord channel',
};

/** DiscordAPIError → DestinationGoneError when retrying cannot help; anything else unchanged. */
export function discordFailure(err: unknown): unknown {
  if (!(err instanceof DiscordAPIError)) return err;
  const code = typeof err.code === 'number' ? err.code : Number(err.code);
  const known = GONE_CODES[code];
  if (known) return new DestinationGoneError(known, err.code);
  if (err.status === 403) return new DestinationGoneError(`Discord refused access (${err.message})`, err.code);
  if (err.status === 404) return new DestinationGoneError(`Discord does not know this destination (${err.message})`, err.code);
  return err;
}

export function createDiscordSender(deps: { token: string; apiUrl?: string }): PlatformSender {
  const rest = new REST({ version: '10', ...(deps.apiUrl ? { api: deps.apiUrl } : {}) }).setToken(deps.token);
  const dmChannels = new LRUCache<string, string>({ max: 10_000, ttl: 24 * 60 * 60_000 });

  async function post(channelId: string, reply: Card, opts?: SendOptions): Promise<{ messageId: string }> {
    // Ephemeral exists only for interaction answers; a posted message is seen by everyone in the channel.
    const card = reply;
    const { flags: _private, ...message } = renderCard(card);
    // The card's chart and files first (the digest: chart, then CSV), then any passed along.
    const files = [...cardAttachments(card), ...(opts?.files ?? [])];
    // With a nonce and enforce_nonce, Discord returns the first message instead of posting a second one for a
    // few minutes: a retry after a crash between sending and recording cannot duplicate the notification.
    const nonce = opts?.idempotencyKey ? { nonce: createHash('sha256').update(opts.idempotencyKey).digest('base64url').slice(0, 25), enforce_nonce: true } : {};
    const sent = (await rest.post(Routes.channelMessages(channelId), {
      body: withAttachments({ ...message, ...nonce }, files),
      ...restFiles(files),
    })) as APIMessage;
    return { messageId: sent.id };
  }

  return {
    async sendToChannel(channelId, reply, opts) {
      try {
        return await post(channelId, reply, opts);
      } catch (err) {
        throw discordFailure(err);
      }
    },
    async sendToUser(userId, reply, opts) {
      let channelId = dmChannels.get(userId);
      try {
        if (!channelId) {
          const channel = (await rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as APIChannel;
          channelId = channel.id;
          dmChannels.set(userId, channelId);
        }
        return await post(channelId, reply, opts);
      } catch (err) {
        // A DM channel that stopped working is asked for afresh next time.
        dmChannels.delete(userId);
        throw discordFailure(err);
      }
    },
  };
}
