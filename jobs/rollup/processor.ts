// Rollup job: bring the earnings rollups up to date with the ledger. Queued after every ingest (trickling postbacks:
// once per notification window) and every minute by a job scheduler, which also catches ingests that committed while
// a refresh was waiting for them. Refreshes never run at once (advisory lock); one that finds nothing new is cheap.
import type { Job } from 'bullmq';
import type { Db } from '../../src/db/database.ts';
import { refreshEarningsRollups } from '../../src/domain/earnings/rollupRefresh.ts';
import type { Logger } from '../../src/log.ts';
import type { QueuePayloads } from '../../src/queues.ts';

/** A transaction that drew ledger ids this long ago and is still open holds the horizon back: worth a warning. */
const HELD_BACK_WARN_MS = 10 * 60_000;

export function rollupProcessor(deps: { db: Db; log?: Logger }) {
  return async (job: Job<QueuePayloads['earnings-rollup']>) => {
    const r = await refreshEarningsRollups(deps.db);
    if (r.lines > 0 || r.attributed > 0) deps.log?.info({ jobId: job.id, ...r }, 'earnings rollups refreshed');
    if (r.heldBackSince && Date.now() - r.heldBackSince.getTime() > HELD_BACK_WARN_MS) {
      deps.log?.warn(
        { jobId: job.id, ...r },
        'earnings rollups held back by a long-open transaction that drew ledger ids; queries read the lines above the horizon from the ledger',
      );
    }
    return r;
  };
}
