import type { ColumnType, Generated, Selectable } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export type LedgerKind = 'pending' | 'confirmed' | 'reversal' | 'bounty';
/** Which kind of report a ledger line came from; `release` lines undo a pending estimate that a shipment confirmed. */
export type LedgerReportType = 'earnings' | 'orders' | 'bounty' | 'events' | 'release';

export interface LedgerEntriesTable {
  id: Generated<number>;
  /** The organisation whose ingest brought the line: only its influencers can be credited with it. */
  organisation_id: number;
  ingest_id: string | null;
  network: string;
  line_key: string;
  kind: LedgerKind;
  tracking_id: string;
  influencer_id: number | null;
  marketplace: string;
  asin: string | null;
  product_name: string | null;
  category: string | null;
  occurred_at: Date;
  quantity: ColumnType<number, number | undefined, number>;
  revenue_minor: ColumnType<number, number | undefined, number>;
  amount_minor: number;
  currency: string;
  link_id: number | null;
  reverses_entry_id: number | null;
  report_type: ColumnType<LedgerReportType, LedgerReportType | undefined, LedgerReportType>;
  source_line: number | null;
  rate_bp: number | null;
  created_at: CreatedAt;
}

export interface RateCardsTable {
  id: Generated<number>;
  marketplace: string;
  category: string;
  rate_bp: number;
  effective_from: string;
  effective_to: string | null;
}

export interface CategoryMappingsTable {
  marketplace: string;
  report_category: string;
  rate_category: string;
}

export type LedgerEntry = Selectable<LedgerEntriesTable>;
