import type { ColumnType, Generated, Selectable } from 'kysely';

export type TrackingIdClaimReason = 'has_lines' | 'held';
export type TrackingIdClaimStatus = 'pending' | 'approved' | 'refused' | 'verified_by_report' | 'withdrawn';

/** The log of every tracking ID claim and its decision. */
export interface TrackingIdClaimsTable {
  id: Generated<number>;
  organisation_id: number;
  tracking_id: string;
  marketplace: string;
  claimant_influencer_id: number;
  claimant_identity_id: number | null;
  /** The claimant's tracking_ids row (verified = false while pending). */
  tracking_id_row_id: number | null;
  /** Who held the tracking ID when the claim was made (reason held). */
  holder_influencer_id: number | null;
  /** has_lines: nobody held it but the organisation had lines of it; held: another influencer of it held it. */
  reason: TrackingIdClaimReason;
  status: ColumnType<TrackingIdClaimStatus, TrackingIdClaimStatus | undefined, TrackingIdClaimStatus>;
  decided_by_identity_id: number | null;
  decided_at: Date | null;
  verified_by_ingest_id: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

export type TrackingIdClaimRow = Selectable<TrackingIdClaimsTable>;
