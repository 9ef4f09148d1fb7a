// Runs one recorded ingest to completion and records the outcome, whoever triggered it (API, CLI, poll).
import { rm } from 'node:fs/promises';
import type { Db } from '../../db/database.ts';
import { isUserError } from '../../errors.ts';
import { getIngest, ingestStatus, type IngestStatusDoc } from './ingests.ts';
import { ingestFile } from './ledgerIngest.ts';
import { isStoredReportFile } from './storeFile.ts';

export interface IngestOutcome {
  status: IngestStatusDoc;
  affectedInfluencers: number[];
}

export async function runIngest(db: Db, ingestId: string): Promise<IngestOutcome> {
  const ingest = await getIngest(db, ingestId);
  if (!ingest) throw new Error(`Ingest ${ingestId} does not exist`);
  // Already done (a retry after a crash between commit and follow-up work): report it again, change nothing.
  if (ingest.status === 'succeeded') return { status: ingestStatus(ingest), affectedInfluencers: await affectedInfluencers(db, ingestId) };
  if (!ingest.file_path) throw new Error(`Ingest ${ingestId} has no file`);
  await db.updateTable('feed_ingests').set({ status: 'running', started_at: new Date(), error: null }).where('id', '=', ingestId).execute();
  try {
    const r = await ingestFile(db, { ingestId, network: ingest.network, filePath: ingest.file_path, marketplace: ingest.marketplace });
    const done = await db
      .updateTable('feed_ingests')
      .set({
        status: 'succeeded',
        finished_at: new Date(),
        counts: JSON.stringify({ ...r.counts, summary: r.summary }),
        row_errors: JSON.stringify(r.rowErrors),
        reports: JSON.stringify(r.reports),
      })
      .where('id', '=', ingestId)
      .returningAll()
      .executeTakeFirstOrThrow();
    // The ledger now holds what the file said. Only our own stored copies are removed (never a file an
    // operator pointed at); failed files stay on disk for inspection.
    if (isStoredReportFile(ingest.file_path)) await rm(ingest.file_path, { force: true }).catch(() => undefined);
    return { status: ingestStatus(done), affectedInfluencers: r.affectedInfluencers };
  } catch (err) {
    // A file we cannot read is the sender's problem and final; anything else may succeed on a retry.
    const message = isUserError(err) ? err.message : `Internal error: ${(err as Error).message}`;
    const failed = await db.updateTable('feed_ingests').set({ status: 'failed', finished_at: new Date(), error: message.slice(0, 2000) }).where('id', '=', ingestId).returningAll().executeTakeFirstOrThrow();
    if (isUserError(err)) return { status: ingestStatus(failed), affectedInfluencers: [] };
    throw err;
  }
}

export async function affectedInfluencers(db: Db, ingestId: string): Promise<number[]> {
  const rows = await db.selectFrom('ledger_entries').select('influencer_id').distinct().where('ingest_id', '=', ingestId).where('influencer_id', 'is not', null).orderBy('influencer_id').execute();
  return rows.map((r) => r.influencer_id!);
}
