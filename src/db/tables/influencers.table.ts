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
  created_at: CreatedAt;
}

export type Influencer = Selectable<InfluencersTable>;
export type NewInfluencer = Insertable<InfluencersTable>;
export type TrackingId = Selectable<TrackingIdsTable>;
