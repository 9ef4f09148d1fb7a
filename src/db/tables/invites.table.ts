import type { ColumnType, Selectable } from 'kysely';
import type { Platform } from './organisations.table.ts';

/** A one-time code that hands a storefront to its real owner (src/domain/workspaces/invites.ts). `code` is the hash. */
export interface InfluencerInvitesTable {
  code: string;
  influencer_id: number;
  organisation_id: number;
  issued_by_identity_id: number | null;
  for_platform: Platform | null;
  for_user_id: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  expires_at: Date;
  used_at: Date | null;
  used_by_identity_id: number | null;
}
export type InfluencerInvite = Selectable<InfluencerInvitesTable>;
