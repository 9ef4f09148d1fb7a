// Who is typing, as Discord says: guild + member (with the member's permission bitfield) in a server, or just
// the user in a direct message, mapped onto the platform-neutral identity (organisation, influencer, role).
import type { APIInteraction } from 'discord-api-types/v10';
import type { Db } from '../../src/db/database.ts';
import { isLinkedTo } from '../../src/domain/workspaces/accountLinks.ts';
import { guildMemberInfluencer, identitiesWithInfluencerOfUser, resolveIdentity, type Identity } from '../../src/domain/workspaces/identities.ts';
import { UserError } from '../../src/errors.ts';

// Permission bits (Discord "Permissions" topic). Either makes a member a manager here.
export const ADMINISTRATOR = 1n << 3n;
export const MANAGE_GUILD = 1n << 5n;

export interface DiscordCaller {
  /** Absent in direct messages. */
  guildId?: string | undefined;
  userId: string;
  displayName?: string | undefined;
  /** The member's permissions in the channel, a decimal bitfield string (guilds only). */
  permissions?: string | undefined;
  channelId?: string | undefined;
  isDirectMessage: boolean;
}

export function isManagerPermission(permissions: string | undefined): boolean {
  if (!permissions || !/^\d{1,30}$/.test(permissions)) return false;
  const bits = BigInt(permissions);
  return (bits & ADMINISTRATOR) !== 0n || (bits & MANAGE_GUILD) !== 0n;
}

/** The caller of an interaction, or undefined when it names no user at all. */
export function callerOf(i: APIInteraction): DiscordCaller | undefined {
  const user = i.member?.user ?? i.user;
  if (!user?.id) return undefined;
  const guildId = i.guild_id || undefined;
  return {
    guildId,
    userId: user.id,
    displayName: i.member?.nick ?? user.global_name ?? user.username,
    permissions: guildId ? i.member?.permissions : undefined,
    channelId: i.channel?.id ?? (i as { channel_id?: string }).channel_id,
    isDirectMessage: !guildId,
  };
}

/**
 * Read-only: the identity of this Discord user that has a storefront (any guild, most recent first), counted
 * only when the storefront is of that guild's organisation or the account was linked to it with a code.
 */
async function dmIdentity(db: Db, userId: string): Promise<Identity | undefined> {
  const rows = await identitiesWithInfluencerOfUser(db, 'discord', userId, 10);
  for (const row of rows) {
    if (row.identityOrganisationId !== row.influencerOrganisationId && !(await isLinkedTo(db, row.id, row.influencerId!))) continue;
    return {
      id: row.id,
      platform: 'discord',
      workspaceId: row.workspaceId,
      userId: row.userId,
      organisationId: row.influencerOrganisationId,
      influencerId: row.influencerId,
      // Nobody manages a team from a DM: there is no server to say they may.
      isManager: false,
      timezone: row.timezone,
    };
  }
  return undefined;
}

export const NO_STOREFRONT_IN_DM =
  'In direct messages I can only help with your own storefront, and I found none for you. Run /storefront setup (or /storefront link-account) in a server that has this app first.';

/**
 * In a guild: resolved (and created on first contact) like every platform's identity, with the guild as the
 * workspace. In a DM: the person's own storefront through an identity of the same Discord user that has one.
 */
export async function discordIdentity(db: Db, caller: DiscordCaller): Promise<Identity> {
  if (caller.isDirectMessage || !caller.guildId) {
    const found = await dmIdentity(db, caller.userId);
    if (!found) throw new UserError('not_found', NO_STOREFRONT_IN_DM);
    return found;
  }
  return resolveIdentity(db, {
    platform: 'discord',
    workspaceId: caller.guildId,
    userId: caller.userId,
    displayName: caller.displayName,
    platformAdmin: isManagerPermission(caller.permissions),
  });
}

/**
 * Read-only: the storefront a member of a guild acts as (their identity's influencer, if it is of the guild's
 * organisation or linked with a code). Autocomplete asks this on every keystroke, the gateway on every link.
 */
export async function guildInfluencer(db: Db, guildId: string, userId: string): Promise<{ influencerId: number; handle: string } | undefined> {
  const row = await guildMemberInfluencer(db, guildId, userId);
  if (!row) return undefined;
  if (row.influencerOrganisationId !== row.guildOrganisationId && !(await isLinkedTo(db, row.identityId, row.influencerId))) return undefined;
  return { influencerId: row.influencerId, handle: row.handle };
}

/** The caller's influencer for autocomplete, if any. */
export async function knownInfluencer(db: Db, caller: DiscordCaller): Promise<number | null> {
  if (caller.isDirectMessage || !caller.guildId) return (await dmIdentity(db, caller.userId))?.influencerId ?? null;
  return (await guildInfluencer(db, caller.guildId, caller.userId))?.influencerId ?? null;
}
