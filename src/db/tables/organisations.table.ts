import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface OrganisationsTable {
  id: Generated<number>;
  name: string;
  /** The organisation the operator's CLI and global feed token mean when they name none (at most one). */
  operator_default: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
}

export interface SlackWorkspacesTable {
  team_id: string;
  enterprise_id: string | null;
  organisation_id: number;
  name: string | null;
  bot_user_id: string | null;
  bot_token: string | null;
  installation: unknown | null;
  installed_at: CreatedAt;
  revoked_at: Date | null;
}

export interface DiscordGuildsTable {
  guild_id: string;
  organisation_id: number;
  name: string | null;
  gateway_channel_ids: ColumnType<string[], string[] | undefined, string[]>;
  created_at: CreatedAt;
}

export type Platform = 'slack' | 'discord';
export type Role = 'member' | 'manager';

export interface PlatformIdentitiesTable {
  id: Generated<number>;
  platform: Platform;
  workspace_id: string;
  user_id: string;
  organisation_id: number | null;
  influencer_id: number | null;
  role: ColumnType<Role, Role | undefined, Role>;
  role_granted_by: number | null;
  display_name: string | null;
  timezone: string | null;
  created_at: CreatedAt;
}

export interface AccountLinkCodesTable {
  code: string;
  identity_id: number;
  expires_at: Date;
  used_at: Date | null;
}

/** The proof that an identity redeemed a link code for an influencer (its other chat account). */
export interface AccountLinksTable {
  identity_id: number;
  influencer_id: number;
  issued_by_identity_id: number | null;
  linked_at: ColumnType<Date, Date | string | undefined, never>;
}

export type Organisation = Selectable<OrganisationsTable>;
export type NewOrganisation = Insertable<OrganisationsTable>;
export type PlatformIdentity = Selectable<PlatformIdentitiesTable>;
