// Discord channels where a manager turned on auto-linking: an Amazon product link posted there by one of the
// organisation's influencers gets a reply with that influencer's tagged short link (gateway mode).
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import { UserError } from '../../errors.ts';

export const MAX_AUTOLINK_CHANNELS = 50;

/** Turns auto-linking on or off for a channel of a guild; false when it already was that way. */
export async function setAutolinkChannel(db: Db, args: { organisationId: number; guildId: string; channelId: string; on: boolean }): Promise<boolean> {
  const guild = await db
    .selectFrom('discord_guilds')
    .select('gateway_channel_ids')
    .where('guild_id', '=', args.guildId)
    .where('organisation_id', '=', args.organisationId)
    .executeTakeFirst();
  if (!guild) throw new UserError('not_found', 'This server is not known yet; run any command here first.');
  const has = guild.gateway_channel_ids.includes(args.channelId);
  if (has === args.on) return false;
  if (args.on && guild.gateway_channel_ids.length >= MAX_AUTOLINK_CHANNELS) {
    throw new UserError('invalid_input', `Auto-linking is on in ${MAX_AUTOLINK_CHANNELS} channels already; turn it off somewhere first.`);
  }
  await db
    .updateTable('discord_guilds')
    .set({
      gateway_channel_ids: args.on
        ? sql<string[]>`array_append(array_remove(gateway_channel_ids, ${args.channelId}), ${args.channelId})`
        : sql<string[]>`array_remove(gateway_channel_ids, ${args.channelId})`,
    })
    .where('guild_id', '=', args.guildId)
    .execute();
  return true;
}

export async function autolinkChannelIds(db: Db, guildId: string): Promise<readonly string[]> {
  const row = await db.selectFrom('discord_guilds').select('gateway_channel_ids').where('guild_id', '=', guildId).executeTakeFirst();
  return row?.gateway_channel_ids ?? [];
}
