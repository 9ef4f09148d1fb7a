// The shapes the feed reader hands to ingestion. Money is integer minor units plus currency, never a float.

/**
 * The character a report writes between whole and fractional money: `.` (US, UK, CA, IN, JP, and every XLSX
 * number cell) or `,` (the continental European stores' CSV exports: `12,34`, `1.234,56`). Decided once per report
 * (reportProbe.ts, readReportFile.ts), never per cell: `1,234` is 1234 in one convention and 1.234 in the other.
 */
export type DecimalMark = '.' | ',';

/** Store languages whose reports may come with translated headers. */
export type HeaderLanguage = 'de' | 'fr' | 'it' | 'es' | 'pt' | 'nl' | 'sv' | 'pl' | 'tr' | 'ja' | 'zh';

export type ReportType = 'earnings' | 'orders' | 'bounty';
/** `events` is our own JSON-lines order feed, one report per file. */
export type ReportKind = ReportType | 'events';

export interface ReportWindow {
  /** YYYY-MM-DD, inclusive, from the title line (MM-DD-YYYY there, or as reportTitle.ts reads other stores'). */
  start: string;
  end: string;
}

export interface ReportMeta {
  index: number;
  kind: ReportKind;
  /** Worksheet name for XLSX; null for CSV/TSV and JSON lines. */
  sheet: string | null;
  /** The title line as written, when the report has one. */
  title: string | null;
  window: ReportWindow | null;
  /** Line (CSV) or sheet row (XLSX) of the header; data starts after it. 0 for JSON lines. */
  headerLine: number;
  /** Header cells that matched no known column, for operators wondering why a figure is missing. */
  ignoredColumns: string[];
  /** The language of a translated header (`it`, `de`, …); null for English. */
  headerLanguage: HeaderLanguage | null;
  /** How the report writes money: `12.34` (`.`) or `12,34` (`,`); from its own figures, else its store's habit. */
  decimalMark: DecimalMark;
}

export type MarketplaceSource = 'option' | 'seller' | 'header-language' | 'header' | 'registered-tracking-id' | 'tracking-id';

export interface MarketplaceChoice {
  code: string;
  currency: string;
  /** Which evidence decided (see marketplaceEvidence.ts for the precedence). */
  source: MarketplaceSource;
}

interface RowPosition {
  /** Index into ReportFile.reports. */
  report: number;
  sheet: string | null;
  /** 1-based line in the CSV/TSV/JSON-lines file, or row number in the sheet. */
  line: number;
}

export interface EarningsRow extends RowPosition {
  kind: 'earnings';
  category: string;
  name: string;
  asin: string;
  seller: string;
  trackingId: string;
  /** Store-local time as written: YYYY-MM-DDTHH:MM:SS, or YYYY-MM-DD when the report gives no time. */
  shippedAt: string;
  currency: string;
  priceMinor: number;
  itemsShipped: number;
  returns: number;
  revenueMinor: number;
  adFeesMinor: number;
  deviceType: string;
}

export interface OrdersRow extends RowPosition {
  kind: 'orders';
  category: string;
  name: string;
  asin: string;
  orderedAt: string;
  qty: number;
  currency: string;
  priceMinor: number;
  linkType: string;
  trackingId: string;
  /** `ndi` (not the linked item) → true, `di` → false; null when the store writes something else. */
  indirect: boolean | null;
  deviceType: string;
}

export interface BountyRow extends RowPosition {
  kind: 'bounty';
  name: string;
  shippedAt: string;
  trackingId: string;
  quantity: number;
  currency: string;
  adFeesMinor: number;
}

export type OrderStatus = 'ordered' | 'shipped' | 'returned' | 'cancelled';

/** One line of our JSON-lines feed. Its own `line` field is `orderLine` here; `line` is the file line. */
export interface OrderEvent extends RowPosition {
  kind: 'event';
  orderId: string;
  orderLine: number;
  trackingId: string;
  asin: string;
  category: string;
  qty: number;
  currency: string;
  unitPriceMinor: number;
  status: OrderStatus;
  commissionMinor: number | null;
  /** UTC, ISO 8601 with milliseconds. */
  time: string;
  /** Our short-link code the order came through, when the network passes it back (a sub-ID). */
  linkCode: string | null;
}

export type ReportRow = EarningsRow | OrdersRow | BountyRow | OrderEvent;

export interface FieldProblem {
  /** Column as named in the report's own header (or the JSON field path). */
  column: string;
  value: string;
  message: string;
}

export interface RowError extends RowPosition {
  kind: 'error';
  problems: FieldProblem[];
  /** Ready to show: where, which column, what was wrong. */
  message: string;
}

export type FeedItem = ReportRow | RowError;

export type FileFormat = 'xlsx' | 'csv' | 'tsv' | 'jsonl';

export interface ReportFile {
  format: FileFormat;
  /** A CSV/TSV that came inside a ZIP. */
  zipped: boolean;
  /** Null only for JSON lines without opts.marketplace: each event carries its own currency. */
  marketplace: MarketplaceChoice | null;
  reports: ReportMeta[];
  /** Streams every row of every report, re-reading the file on each call. */
  rows(): AsyncGenerator<FeedItem>;
  /** The same items in the chunks they were parsed in: cheaper for bulk writers. */
  batches(): AsyncGenerator<FeedItem[]>;
}
