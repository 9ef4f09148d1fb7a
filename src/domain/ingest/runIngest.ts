// Runs one recorded ingest to completion and records the outcome, whoever triggered it (API, CLI, poll).
import { rm } from 'node:fs/promises';
import type { Db } from '../../db/database.ts';
import { isUserError } from '../../errors.ts';
import { getIngest, ingestStatus, type IngestStatusDoc } from './ingests.ts';
import { ingestFile, ReversalHold, type IngestProgress } from './ledgerIngest.ts';
import { isStoredReportFile } from './storeFile.ts';

export interface IngestOutcome {
  status: IngestStatusDoc;
  affectedInfluencers: number[];
}

export async function runIngest(db: Db, ingestId: string, opts: { onProgress?: ((progress: IngestProgress) => void) | undefined } = {}): Promise<IngestOutcome> {
  const ingest = await getIngest(db, ingestId);
  if (!ingest) throw new Error(`Ingest ${ingestId} does not exist`);
  // Already done (a retry after a crash between commit and follow-up work), or held for confirmation (a decision
  // for a person, not a retry): report it again, change nothing.
  if (ingest.status === 'succeeded' || ingest.status === 'held') return { status: ingestStatus(ingest), affectedInfluencers: ingest.affected_influencers };
  if (!ingest.file_path) throw new Error(`Ingest ${ingestId} has no file`);
  await db.updateTable('feed_ingests').set({ status: 'running', started_at: new Date(), error: null }).where('id', '=', ingestId).execute();
  try {
    const r = await ingestFile(db, {
      ingestId,
      organisationId: ingest.organisation_id,
      network: ingest.network,
      confirmReversals: ingest.confirm_reversals,
      filePath: ingest.file_path,
      marketplace: ingest.marketplace,
      onProgress: opts.onProgress,
      // Recorded in the ledger's transaction: a crash after the commit leaves a finished ingest, never lines of
      // one still marked running.
      beforeCommit: async (client, result) => {
        await client.query(
          `UPDATE feed_ingests SET status = 'succeeded', finished_at = clock_timestamp(), counts = $2, row_errors = $3, reports = $4, affected_influencers = $5 WHERE id = $1`,
          [ingestId, JSON.stringify({ ...result.counts, summary: result.summary }), JSON.stringify(result.rowErrors), JSON.stringify(result.reports), result.affectedInfluencers],
        );
      },
    });
    // The ledger now holds what the file said. Only our own stored copies are removed (never a file an
    // operator pointed at); failed files stay on disk for inspection.
    if (isStoredReportFile(ingest.file_path)) await rm(ingest.file_path, { force: true }).catch(() => undefined);
    const done = await getIngest(db, ingestId);
    return { status: ingestStatus(done!), affectedInfluencers: r.affectedInfluencers };
  } catch (err) {
    if (err instanceof ReversalHold) {
      // Kept on disk: it may be sent again with confirmation.
      const held = await db.updateTable('feed_ingests').set({ status: 'held', finished_at: new Date(), error: err.message }).where('id', '=', ingestId).returningAll().executeTakeFirstOrThrow();
      return { status: ingestStatus(held), affectedInfluencers: [] };
    }
    // A file we cannot read is the sender's problem and final; anything else may succeed on a retry.
    const message = isUserError(err) ? err.message : `Internal error: ${(err as Error).message}`;
    const failed = await db.updateTable('feed_ingests').set({ status: 'failed', finished_at: new Date(), error: message.slice(0, 2000) }).where('id', '=', ingestId).returningAll().executeTakeFirstOrThrow();
    if (isUserError(err)) return { status: ingestStatus(failed), affectedInfluencers: [] };
    throw err;
  }
}
