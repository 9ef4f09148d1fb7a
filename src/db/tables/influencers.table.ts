import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface InfluencersTable {
  id: Generated<number>;
  organisation_id: number;
  handle: string;
  display_name: string;
  bio: string | null;
  avatar_url: string | null;
  created_at: CreatedAt;
}

export interface TrackingIdsTable {
  id: Generated<number>;
  /** Its influencer's organisation (set by a trigger): a tracking ID is unique within an organisation only. */
  organisation_id: ColumnType<number, never, never>;
  tracking_id: string;
  marketplace: string;
  influencer_id: number;
  is_default: ColumnType<boolean, boolean | undefined, boolean>;
  /**
   * False for a pending claim: its influencer's links may carry it, but it credits and reveals nothing until it is
   * verified (a manager's approval, or a report of the organisation carrying it). Only verified rows count anywhere.
   */
  verified: ColumnType<boolean, boolean | undefined, boolean>;
  /** Set when the row was given up (claim refused or withdrawn, ID moved to an approved claimant): kept for its links. */
  released_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: CreatedAt;
}

export type InfluencerRow = Selectable<InfluencersTable>;
export type NewInfluencer = Insertable<InfluencersTable>;
export type TrackingIdRow = Selectable<TrackingIdsTable>;
