// The record of each report ingest: where the file is, its status, and the summary people read.
import type { Db } from '../../db/database.ts';
import type { FeedIngest } from '../../db/schema.ts';

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

export function getIngest(db: Db, id: string): Promise<FeedIngest | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return Promise.resolve(undefined);
  return db.selectFrom('feed_ingests').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The status document shown by the API and the CLI. */
export function ingestStatus(i: FeedIngest) {
  const counts = i.counts as Partial<IngestCounts> & Record<string, unknown>;
  return {
    ingestId: i.id,
    organisationId: i.organisation_id,
    status: i.status,
    network: i.network,
    source: i.source,
    fileName: i.file_name,
    bytes: i.byte_size,
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
    rowErrors: i.row_errors,
    createdAt: i.created_at,
    startedAt: i.started_at,
    finishedAt: i.finished_at,
  };
}

export type IngestStatusDoc = ReturnType<typeof ingestStatus>;
