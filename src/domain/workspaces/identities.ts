// Who is typing: a platform user in a workspace (Slack team / Discord guild), mapped to an organisation,
// maybe an influencer, and a role. Each workspace belongs to exactly one organisation, so a user can only
// ever reach their own organisation's data.
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { Platform } from '../../db/schema.ts';
import { UserError } from '../../errors.ts';

export interface Identity {
  id: number;
  platform: Platform;
  workspaceId: string;
  userId: string;
  organisationId: number;
  influencerId: number | null;
  /** Workspace admin/owner (as the platform reports) or granted by a manager. */
  isManager: boolean;
  timezone: string | null;
}

export interface IdentityInput {
  platform: Platform;
  workspaceId: string;
  workspaceName?: string | undefined;
  userId: string;
  displayName?: string | undefined;
  timezone?: string | undefined;
  /** The platform says this user administers the workspace. */
  platformAdmin: boolean;
}

/** The organisation behind a workspace, created on first contact. */
export async function organisationForWorkspace(db: Db, platform: Platform, workspaceId: string, workspaceName?: string): Promise<number> {
  const table = platform === 'slack' ? 'slack_workspaces' : 'discord_guilds';
  const key = platform === 'slack' ? 'team_id' : 'guild_id';
  const found = await db.selectFrom(table).select('organisation_id').where(key, '=', workspaceId).executeTakeFirst();
  if (found) return found.organisation_id;
  return db.transaction().execute(async (trx) => {
    // Serialise first contact per workspace so two simultaneous commands create one organisation.
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`${platform}:${workspaceId}`}))`.execute(trx);
    const again = await trx.selectFrom(table).select('organisation_id').where(key, '=', workspaceId).executeTakeFirst();
    if (again) return again.organisation_id;
    const org = await trx
      .insertInto('organisations')
      .values({ name: workspaceName?.slice(0, 200) || `${platform} ${workspaceId}` })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (platform === 'slack')
      await trx
        .insertInto('slack_workspaces')
        .values({
          team_id: workspaceId,
          organisation_id: org.id,
          name: workspaceName ?? null,
          enterprise_id: null,
          bot_user_id: null,
          bot_token: null,
          installation: null,
          revoked_at: null,
        })
        .execute();
    else
      await trx
        .insertInto('discord_guilds')
        .values({ guild_id: workspaceId, organisation_id: org.id, name: workspaceName ?? null })
        .execute();
    return org.id;
  });
}

export async function resolveIdentity(db: Db, input: IdentityInput): Promise<Identity> {
  if (!input.workspaceId || !input.userId) throw new UserError('invalid_input', 'This command has to be used from a workspace.');
  const organisationId = await organisationForWorkspace(db, input.platform, input.workspaceId, input.workspaceName);
  const row = await db
    .insertInto('platform_identities')
    .values({
      platform: input.platform,
      workspace_id: input.workspaceId,
      user_id: input.userId,
      organisation_id: organisationId,
      influencer_id: null,
      role_granted_by: null,
      display_name: input.displayName?.slice(0, 200) ?? null,
      timezone: input.timezone ?? null,
    })
    .onConflict((oc) =>
      oc.constraint('platform_identities_unique').doUpdateSet((eb) => ({
        // The workspace's organisation as this command saw it: an account first seen while link-server or
        // unlink-server moved its workspace is put right by its next command.
        organisation_id: eb.ref('excluded.organisation_id'),
        display_name: eb.fn.coalesce(eb.ref('excluded.display_name'), eb.ref('platform_identities.display_name')),
        timezone: eb.fn.coalesce(eb.ref('excluded.timezone'), eb.ref('platform_identities.timezone')),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return {
    id: row.id,
    platform: row.platform,
    workspaceId: row.workspace_id,
    userId: row.user_id,
    organisationId,
    influencerId: row.influencer_id,
    isManager: input.platformAdmin || row.role === 'manager',
    timezone: row.timezone,
  };
}

export async function attachInfluencer(db: Db, identityId: number, influencerId: number): Promise<void> {
  await db.updateTable('platform_identities').set({ influencer_id: influencerId }).where('id', '=', identityId).execute();
}

/** A manager makes another member of the same workspace a manager (or takes it back). */
export async function setManager(db: Db, granter: Identity, targetUserId: string, manager: boolean): Promise<void> {
  if (!granter.isManager) throw new UserError('forbidden', 'Only managers can do that.');
  await db
    .insertInto('platform_identities')
    .values({
      platform: granter.platform,
      workspace_id: granter.workspaceId,
      user_id: targetUserId,
      organisation_id: granter.organisationId,
      influencer_id: null,
      role: manager ? 'manager' : 'member',
      role_granted_by: granter.id,
      display_name: null,
      timezone: null,
    })
    .onConflict((oc) => oc.constraint('platform_identities_unique').doUpdateSet({ role: manager ? 'manager' : 'member', role_granted_by: granter.id }))
    .execute();
}

/** An identity of one platform user that has an influencer, with its organisation and the influencer's. */
export interface IdentityWithInfluencer {
  id: number;
  workspaceId: string;
  userId: string;
  influencerId: number | null;
  timezone: string | null;
  /** The organisation of the identity's workspace. */
  identityOrganisationId: number | null;
  /** The organisation of the influencer. */
  influencerOrganisationId: number;
}

/** Read-only: up to `limit` identities of a platform user that have an influencer (any workspace), most recent first. */
export async function identitiesWithInfluencerOfUser(db: Db, platform: Platform, userId: string, limit: number): Promise<IdentityWithInfluencer[]> {
  const rows = await db
    .selectFrom('platform_identities as pi')
    .innerJoin('influencers as i', 'i.id', 'pi.influencer_id')
    .select(['pi.id', 'pi.workspace_id', 'pi.user_id', 'pi.influencer_id', 'pi.timezone', 'pi.organisation_id as identityOrganisationId', 'i.organisation_id'])
    .where('pi.platform', '=', platform)
    .where('pi.user_id', '=', userId)
    .orderBy('pi.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    workspaceId: r.workspace_id,
    userId: r.user_id,
    influencerId: r.influencer_id,
    timezone: r.timezone,
    identityOrganisationId: r.identityOrganisationId,
    influencerOrganisationId: r.organisation_id,
  }));
}

/** A Discord guild member's influencer, with the influencer's organisation and the guild's. */
export interface GuildMemberInfluencer {
  identityId: number;
  influencerId: number;
  handle: string;
  influencerOrganisationId: number;
  guildOrganisationId: number;
}

/** Read-only: the influencer of a member's identity in a Discord guild, if the identity has one. */
export async function guildMemberInfluencer(db: Db, guildId: string, userId: string): Promise<GuildMemberInfluencer | undefined> {
  const row = await db
    .selectFrom('platform_identities as pi')
    .innerJoin('influencers as i', 'i.id', 'pi.influencer_id')
    .innerJoin('discord_guilds as g', 'g.guild_id', 'pi.workspace_id')
    .select(['pi.id', 'i.id as influencerId', 'i.handle', 'i.organisation_id', 'g.organisation_id as guildOrganisationId'])
    .where('pi.platform', '=', 'discord')
    .where('pi.workspace_id', '=', guildId)
    .where('pi.user_id', '=', userId)
    .executeTakeFirst();
  return (
    row && {
      identityId: row.id,
      influencerId: row.influencerId,
      handle: row.handle,
      influencerOrganisationId: row.organisation_id,
      guildOrganisationId: row.guildOrganisationId,
    }
  );
}
