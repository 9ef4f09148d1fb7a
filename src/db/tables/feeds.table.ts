import type { ColumnType, Generated, Selectable } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T> = ColumnType<T, string | undefined, string>;

export interface FeedSourcesTable {
  id: Generated<number>;
  organisation_id: number | null;
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

export type IngestStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface FeedIngestsTable {
  id: Generated<string>;
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
  /** Influencers with new ledger lines from this ingest, recorded with them. */
  affected_influencers: ColumnType<number[], number[] | undefined, number[]>;
  created_at: CreatedAt;
  started_at: Date | null;
  finished_at: Date | null;
}

export type FeedIngest = Selectable<FeedIngestsTable>;
