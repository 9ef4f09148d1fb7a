// Runs one recorded ingest to completion and records the outcome, whoever triggered it (API, CLI, poll).
import { rm } from 'node:fs/promises';
import type { Db } from '../../db/database.ts';
import { isUserError, UserError } from '../../errors.ts';
import { getIngest, ingestStatus, toIngest, type IngestStatusDoc } from './ingests.ts';
import { ingestFile, ReversalHold, type IngestProgress, type IngestResult } from './ledgerIngest.ts';
import { isStoredReportFile } from './storeFile.ts';

export interface IngestOutcome {
  status: IngestStatusDoc;
  affectedInfluencers: number[];
}

/** How many row errors the failure message of a wholly rejected file quotes. */
const QUOTED_ROW_ERRORS = 3;

/**
 * Every row of the file was rejected. Nothing of it is applied (the ledger transaction rolls back), and the ingest is
 * `failed` with a reason naming the first errors; its counts and row errors are kept for the status document. A file
 * with no data rows at all is not this: it succeeds with nothing to do.
 */
export class AllRowsRejected extends UserError {
  constructor(readonly result: IngestResult) {
    const { rows } = result.counts;
    const first = result.rowErrors
      .slice(0, QUOTED_ROW_ERRORS)
      .map((e) => e.message)
      .join('; ');
    const all = rows === 1 ? "The file's only row was" : `All ${rows} rows of the file were`;
    super('invalid_input', `${all} rejected, so nothing was recorded. First error${rows === 1 ? '' : 's'}: ${first}`);
  }
}

export function allRowsRejected(result: IngestResult): boolean {
  return result.counts.rows > 0 && result.counts.rejected === result.counts.rows;
}

export async function runIngest(
  db: Db,
  ingestId: string,
  opts: { onProgress?: ((progress: IngestProgress) => void) | undefined } = {},
): Promise<IngestOutcome> {
  const ingest = await getIngest(db, ingestId);
  if (!ingest) throw new Error(`Ingest ${ingestId} does not exist`);
  // Already done (a retry after a crash between commit and follow-up work), or held for confirmation (a decision
  // for a person, not a retry): report it again, change nothing.
  if (ingest.status === 'succeeded' || ingest.status === 'held') return { status: ingestStatus(ingest), affectedInfluencers: ingest.affectedInfluencers };
  if (!ingest.filePath) throw new Error(`Ingest ${ingestId} has no file`);
  await db.updateTable('feed_ingests').set({ status: 'running', started_at: new Date(), error: null }).where('id', '=', ingestId).execute();
  try {
    const r = await ingestFile(db, {
      ingestId,
      organisationId: ingest.organisationId,
      network: ingest.network,
      confirmReversals: ingest.confirmReversals,
      filePath: ingest.filePath,
      marketplace: ingest.marketplace,
      onProgress: opts.onProgress,
      // Recorded in the ledger's transaction: a crash after the commit leaves a finished ingest, never lines of
      // one still marked running.
      beforeCommit: async (client, result) => {
        if (allRowsRejected(result)) throw new AllRowsRejected(result);
        await client.query(
          `UPDATE feed_ingests SET status = 'succeeded', finished_at = clock_timestamp(), counts = $2, row_errors = $3, reports = $4, affected_influencers = $5 WHERE id = $1`,
          [
            ingestId,
            JSON.stringify({ ...result.counts, summary: result.summary }),
            JSON.stringify(result.rowErrors),
            JSON.stringify(result.reports),
            result.affectedInfluencers,
          ],
        );
      },
    });
    // The ledger now holds what the file said. Only our own stored copies are removed (never a file an
    // operator pointed at); failed files stay on disk for inspection.
    if (isStoredReportFile(ingest.filePath)) await rm(ingest.filePath, { force: true }).catch(() => undefined);
    const done = await getIngest(db, ingestId);
    return { status: ingestStatus(done!), affectedInfluencers: r.affectedInfluencers };
  } catch (err) {
    if (err instanceof ReversalHold) {
      // Kept on disk: it may be sent again with confirmation.
      const held = await db
        .updateTable('feed_ingests')
        .set({ status: 'held', finished_at: new Date(), error: err.message })
        .where('id', '=', ingestId)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { status: ingestStatus(toIngest(held)), affectedInfluencers: [] };
    }
    // A file we cannot read is the sender's problem and final; anything else may succeed on a retry.
    const message = isUserError(err) ? err.message : `Internal error: ${(err as Error).message}`;
    // A wholly rejected file keeps what the read found (counts, row errors, reports) for whoever looks at it.
    const found =
      err instanceof AllRowsRejected
        ? {
            counts: JSON.stringify({ ...err.result.counts, summary: err.result.summary }),
            row_errors: JSON.stringify(err.result.rowErrors),
            reports: JSON.stringify(err.result.reports),
          }
        : {};
    const failed = await db
      .updateTable('feed_ingests')
      .set({ status: 'failed', finished_at: new Date(), error: message.slice(0, 2000), ...found })
      .where('id', '=', ingestId)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (isUserError(err)) return { status: ingestStatus(toIngest(failed)), affectedInfluencers: [] };
    throw err;
  }
}
