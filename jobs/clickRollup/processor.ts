// Click rollup job: bring the click rollups up to date with the clicks the redirect buffers have written, every few
// flush windows (a job scheduler). Readers are exact whatever the horizon (they read the clicks above it); the
// refresh only keeps that part small. Refreshes never run at once (advisory lock); one that finds nothing is cheap.
import type { Job } from 'bullmq';
import type { Db } from '../../src/db/database.ts';
import { refreshClickRollups } from '../../src/domain/clicks/clickRollupRefresh.ts';
import type { Logger } from '../../src/log.ts';
import type { QueuePayloads } from '../../src/queues.ts';

/** How often the scheduler refreshes: a few flush windows of clicks at most are read raw. */
export const CLICK_ROLLUP_EVERY_MS = 10_000;

export function clickRollupProcessor(deps: { db: Db; log?: Logger }) {
  return async (job: Job<QueuePayloads['click-rollup']>) => {
    const r = await refreshClickRollups(deps.db);
    if (r.clicks > 0) deps.log?.debug({ jobId: job.id, ...r }, 'click rollups refreshed');
    return r;
  };
}
