import type { ColumnType, Generated } from 'kysely';

/** UTC buckets of the rollups; 'all' is one bucket (at -infinity) for all time. */
export type RollupGrain = 'hour' | 'day' | 'month' | 'year' | 'all';

/**
 * Sums of ledger lines per UTC bucket and currency, for one of: a tracking ID (by day and up; by hour too for lines
 * unattributed when rolled up) or an organisation (by hour and up). See migrations/…_earnings_rollups.ts.
 */
export interface EarningsRollupsTable {
  grain: RollupGrain;
  bucket: Date;
  organisation_id: number | null;
  tracking_id: string | null;
  /** Tracking ID rows: the influencer the ledger named when the lines were rolled up; null for lines not attributed then. */
  influencer_id: number | null;
  currency: string;
  lines: number;
  confirmed_minor: number;
  pending_minor: number;
  reversed_minor: number;
  bounty_minor: number;
  /** Count of confirmed and bounty lines. */
  earned_lines: number;
  /** Quantity of confirmed lines. */
  items_shipped: number;
  /** Absolute quantity of reversal lines. */
  items_reversed: number;
  /** Items returned: minus the quantity of reversal lines that reverse no earlier entry. */
  items_returned: number;
  /** Quantity and count of pending lines that are not releases (orders). */
  items_ordered: number;
  order_lines: number;
}

/**
 * Sums of ledger lines per UTC bucket, product (ASIN), link and currency, for one of: an organisation (day, month,
 * year, all), an influencer (month, year, all), or a tracking ID for lines no influencer owned when rolled up.
 */
export interface EarningsProductRollupsTable {
  grain: RollupGrain;
  bucket: Date;
  organisation_id: number | null;
  influencer_id: number | null;
  tracking_id: string | null;
  asin: string | null;
  link_id: number | null;
  currency: string;
  /** The greatest product name among the lines (as max() would give). */
  product_name: string | null;
  lines: number;
  /** Confirmed, bounty and reversal lines. */
  settled_minor: number;
  pending_minor: number;
  /** Quantity of lines other than reversals. */
  items: number;
  items_shipped: number;
  items_ordered: number;
  order_lines: number;
}

export interface EarningsRollupStateTable {
  id: number;
  /** Every ledger entry with id <= horizon is in the rollups, and none above it. */
  horizon: number;
  /** Organisation product rows by day and (not dense) influencer product rows by month exist from here on. */
  recent_from: Date;
  refreshed_at: Date | null;
}

export interface EarningsRollupCandidatesTable {
  id: Generated<number>;
  /** The ledger id sequence's value when it was read. */
  sequence_value: number;
  /** Virtual transaction ids that had drawn ids from the sequence then; the value is final once all have ended. */
  waiting_for: string[];
  noted_at: ColumnType<Date, Date | string | undefined, never>;
}

/** Influencers whose product rows cover all history (by month, and all time), not only recent months. */
export interface EarningsDenseInfluencersTable {
  influencer_id: number;
  since: ColumnType<Date, Date | string | undefined, never>;
}

/** Lines no influencer owned when rolled up, per tracking ID, hour of ingest (created_at), ingest, store and currency. */
export interface EarningsUnattributedRollupsTable {
  /** The lines' organisation (their ingest's): only its managers see them. */
  organisation_id: number;
  tracking_id: string;
  bucket: Date;
  ingest_id: string | null;
  marketplace: string;
  currency: string;
  lines: number;
  /** Lines other than pending ones, and pending ones. */
  confirmed_minor: number;
  pending_minor: number;
  first_created: Date;
  last_created: Date;
  /** The lowest and highest ledger id among the lines. */
  first_id: number;
  last_id: number;
}
