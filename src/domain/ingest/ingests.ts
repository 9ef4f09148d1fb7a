// The record of each report ingest: where the file is, its status, and the summary people read.
import type { Db } from '../../db/database.ts';
import type { FeedIngestRow, IngestStatus } from '../../db/schema.ts';

export interface IngestCounts {
  rows: number;
  accepted: number;
  unchanged: number;
  reversed: number;
  rejected: number;
  unattributed: number;
}

export interface RowErrorRecord {
  line: number;
  sheet?: string | null;
  message: string;
}

export const MAX_STORED_ROW_ERRORS = 1000;

export interface NewIngest {
  /** Whose report this is: its lines belong to this organisation, and only its influencers are credited. */
  organisationId: number;
  network: string;
  source: 'api' | 'cli' | 'poll';
  filePath: string;
  fileName: string | null;
  sha256: string;
  byteSize: number;
  marketplace: string | null;
  feedSourceId?: number | null;
  /** Apply a re-issued window even if it reverses most of the confirmed lines it covers (else it is held). */
  confirmReversals?: boolean;
}

export async function createIngest(db: Db, args: NewIngest): Promise<string> {
  const row = await db
    .insertInto('feed_ingests')
    .values({
      organisation_id: args.organisationId,
      confirm_reversals: args.confirmReversals ?? false,
      network: args.network,
      source: args.source,
      file_path: args.filePath,
      file_name: args.fileName?.slice(0, 255) ?? null,
      file_sha256: args.sha256,
      byte_size: args.byteSize,
      marketplace: args.marketplace,
      feed_source_id: args.feedSourceId ?? null,
      error: null,
      started_at: null,
      finished_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** An ingest record as read outside its table: the row mapped once, here. */
export interface Ingest {
  id: string;
  organisationId: number;
  network: string;
  source: 'api' | 'cli' | 'poll';
  feedSourceId: number | null;
  marketplace: string | null;
  fileName: string | null;
  filePath: string | null;
  byteSize: number | null;
  status: IngestStatus;
  error: string | null;
  counts: Record<string, unknown>;
  rowErrors: Array<{ line: number; sheet?: string; message: string }>;
  reports: unknown[];
  confirmReversals: boolean;
  /** Influencers with new ledger lines from this ingest. */
  affectedInfluencers: number[];
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export function toIngest(r: FeedIngestRow): Ingest {
  return {
    id: r.id,
    organisationId: r.organisation_id,
    network: r.network,
    source: r.source,
    feedSourceId: r.feed_source_id,
    marketplace: r.marketplace,
    fileName: r.file_name,
    filePath: r.file_path,
    byteSize: r.byte_size,
    status: r.status,
    error: r.error,
    counts: r.counts,
    rowErrors: r.row_errors,
    reports: r.reports,
    confirmReversals: r.confirm_reversals,
    affectedInfluencers: r.affected_influencers,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

export async function getIngest(db: Db, id: string): Promise<Ingest | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const row = await db.selectFrom('feed_ingests').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toIngest(row);
}

/** The status document shown by the API and the CLI. */
export function ingestStatus(i: Ingest) {
  const counts = i.counts as Partial<IngestCounts> & Record<string, unknown>;
  return {
    ingestId: i.id,
    organisationId: i.organisationId,
    status: i.status,
    network: i.network,
    source: i.source,
    fileName: i.fileName,
    bytes: i.byteSize,
    error: i.error,
    counts: {
      rows: counts.rows ?? 0,
      accepted: counts.accepted ?? 0,
      unchanged: counts.unchanged ?? 0,
      reversed: counts.reversed ?? 0,
      rejected: counts.rejected ?? 0,
      unattributed: counts.unattributed ?? 0,
    },
    summary: counts.summary ?? null,
    reports: i.reports,
    rowErrors: i.rowErrors,
    createdAt: i.createdAt,
    startedAt: i.startedAt,
    finishedAt: i.finishedAt,
  };
}

export type IngestStatusDoc = ReturnType<typeof ingestStatus>;
