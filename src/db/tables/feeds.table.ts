import type { ColumnType, Generated, Selectable } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T> = ColumnType<T, string | undefined, string>;

export interface FeedSourcesTable {
  id: Generated<number>;
  organisation_id: number;
  network: string;
  name: string;
  url: string;
  cron: string;
  marketplace: string | null;
  headers: Record<string, string> | null;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  last_polled_at: Date | null;
  last_success_at: Date | null;
  last_error: string | null;
  created_at: CreatedAt;
}

/** held: a re-issued window would reverse most of its confirmed lines; nothing was applied (see confirm_reversals). */
export type IngestStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'held';

export interface FeedIngestsTable {
  id: Generated<string>;
  /** Whose money this report is: its lines belong to this organisation and only its influencers are credited. */
  organisation_id: number;
  network: string;
  source: 'api' | 'cli' | 'poll';
  feed_source_id: number | null;
  marketplace: string | null;
  file_name: string | null;
  file_path: string | null;
  file_sha256: string | null;
  byte_size: number | null;
  status: ColumnType<IngestStatus, IngestStatus | undefined, IngestStatus>;
  error: string | null;
  counts: Json<Record<string, number>>;
  row_errors: Json<Array<{ line: number; sheet?: string; message: string }>>;
  reports: Json<unknown[]>;
  /** Apply a re-issued window even when it reverses most of the confirmed lines it covers. */
  confirm_reversals: ColumnType<boolean, boolean | undefined, boolean>;
  /** Influencers with new ledger lines from this ingest, recorded with them. */
  affected_influencers: ColumnType<number[], number[] | undefined, number[]>;
  created_at: CreatedAt;
  started_at: Date | null;
  finished_at: Date | null;
}

export type FeedIngestRow = Selectable<FeedIngestsTable>;

/** A bearer token of the feeds API that acts for one organisation; only its SHA-256 digest is kept. */
export interface FeedTokensTable {
  id: Generated<number>;
  organisation_id: number;
  name: string;
  token_hash: string;
  /** The token's last characters, to tell tokens apart. */
  hint: string;
  created_by_identity_id: number | null;
  created_at: CreatedAt;
  last_used_at: Date | null;
  revoked_at: Date | null;
  revoked_by_identity_id: number | null;
}

export type FeedToken = Selectable<FeedTokensTable>;
