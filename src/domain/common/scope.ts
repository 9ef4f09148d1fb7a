// Whose figures a query reads and over which instants: shared by the ledger (earnings) and the click counts.

/** One influencer's figures, or a whole organisation's. */
export type EarningsScope = { influencerId: number } | { organisationId: number };

/** A half-open range of instants; null = unbounded. */
export interface TimeRange {
  from: Date | null;
  to: Date | null;
}
