import type { ColumnType, Generated } from 'kysely';
import type { RollupGrain } from './earnings.table.ts';

/**
 * Click counts per UTC bucket for an influencer (link_id null: every kind) or one of its links (unique clicks only).
 * Hour rows also count the first 15, 30 and 45 minutes (_q1.._q3). See migrations/…_click_partitions.ts.
 */
export interface ClickRollupsTable {
  grain: RollupGrain;
  bucket: Date;
  /** The influencer's organisation (the distribution key on a sharded Postgres); null as on clicks, until filled. */
  organisation_id: ColumnType<number | null, number | undefined, number>;
  influencer_id: number;
  link_id: number | null;
  clicks: number;
  repeats: number;
  previews: number;
  bots: number;
  clicks_q1: number;
  clicks_q2: number;
  clicks_q3: number;
  repeats_q1: number;
  repeats_q2: number;
  repeats_q3: number;
  previews_q1: number;
  previews_q2: number;
  previews_q3: number;
  bots_q1: number;
  bots_q2: number;
  bots_q3: number;
}

/** Every click with id <= horizon is in click_rollups, none above it. */
export interface ClickRollupStateTable {
  id: number;
  horizon: number;
  refreshed_at: Date | null;
  /** Influencer and link rows by hour exist from here on (and for click_fine_months). */
  recent_from: Generated<Date>;
}

/** An organisation's clicks by kind per UTC bucket, hour rows for all history. See migrations/…_click_org_rollups.ts. */
export type ClickOrgRollupsTable = Omit<ClickRollupsTable, 'influencer_id' | 'link_id' | 'organisation_id'> & { organisation_id: number };

/** Months whose raw partition was dropped: their influencer and link hour rows are kept for good. */
export interface ClickFineMonthsTable {
  month: Date;
  dropped_at: Generated<Date>;
}

export interface ClickRollupCandidatesTable {
  id: Generated<number>;
  sequence_value: number;
  waiting_for: string[];
  noted_at: Generated<Date>;
}

/**
 * What the background fill of clicks' and click rollups' organisation has left (migration …_click_organisations):
 * click ids in (next_click_id, last_click_id] and influencers in (next_influencer_id, last_influencer_id].
 */
export interface ClickOrganisationFillTable {
  id: number;
  next_click_id: number;
  last_click_id: number;
  next_influencer_id: number;
  last_influencer_id: number;
  done_at: Date | null;
}
