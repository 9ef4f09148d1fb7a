// Status changes of an ingest made outside its run (src/domain/ingest/runIngest.ts): finding ingests left queued
// or running, marking one failed, putting a running one back in the queue.
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { IngestStatus } from '../../db/schema.ts';

/** The longest error kept on an ingest. */
const MAX_ERROR = 2000;

export interface StaleIngest {
  id: string;
  status: IngestStatus;
  organisationId: number;
  network: string;
  filePath: string | null;
  createdAt: Date;
  startedAt: Date | null;
}

/**
 * Ingests still queued or running that were queued (or last started) before `before`, oldest first, at most `limit`;
 * `only` confines the list to the given ingests.
 */
export async function listStaleIngests(db: Db, args: { before: Date; limit: number; only?: string[] | undefined }): Promise<StaleIngest[]> {
  let query = db
    .selectFrom('feed_ingests')
    .select(['id', 'status', 'organisation_id', 'network', 'file_path', 'created_at', 'started_at'])
    .where('status', 'in', ['queued', 'running'])
    .where(sql<boolean>`coalesce(started_at, created_at) < ${args.before}`)
    .orderBy('created_at')
    .limit(args.limit);
  if (args.only) query = query.where('id', 'in', args.only);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    organisationId: r.organisation_id,
    network: r.network,
    filePath: r.file_path,
    createdAt: r.created_at,
    startedAt: r.started_at,
  }));
}

/**
 * Marks an ingest failed with why (its first 2000 characters), only while its status is one of `onlyWhile` (someone
 * may have moved it on since it was read). Resolves with whether it was marked.
 */
export async function failIngest(db: Db, ingestId: string, reason: string, onlyWhile: readonly IngestStatus[]): Promise<boolean> {
  const done = await db
    .updateTable('feed_ingests')
    .set({ status: 'failed', finished_at: new Date(), error: reason.slice(0, MAX_ERROR) })
    .where('id', '=', ingestId)
    .where('status', 'in', onlyWhile)
    .executeTakeFirst();
  return Number(done.numUpdatedRows) > 0;
}

/** A running ingest whose job was queued again says queued again (left as it is when it is no longer running). */
export async function requeueRunningIngest(db: Db, ingestId: string): Promise<void> {
  await db.updateTable('feed_ingests').set({ status: 'queued' }).where('id', '=', ingestId).where('status', '=', 'running').execute();
}

/**
 * Whether an ingest of this organisation and network is writing the ledger now: it holds the transaction lock
 * ledgerIngest.ts takes (keyed by the ledger network: the label for JSON lines, else "amazon").
 */
export async function ledgerLockHeld(db: Db, organisationId: number, network: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ free: boolean }>`
      SELECT pg_try_advisory_xact_lock(hashtext('ledger-ingest:' || ${String(organisationId)} || ':' || ${network}))
         AND pg_try_advisory_xact_lock(hashtext('ledger-ingest:' || ${String(organisationId)} || ':amazon')) AS free`.execute(trx);
    return rows[0]?.free !== true;
  });
}
