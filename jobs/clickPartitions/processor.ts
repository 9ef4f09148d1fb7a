// Click partition job (hourly): the partitions of this month and the next ones exist before a click needs them, and
// those wholly older than CLICK_RETENTION_DAYS are dropped (their counts stay in the click rollups). Ids of click
// batches written a week ago are forgotten too.
import type { Job } from 'bullmq';
import type { Db } from '../../src/db/database.ts';
import { pruneClickBatches } from '../../src/domain/clicks/clickBuffer.ts';
import { createClickPartitions, dropExpiredClickPartitions } from '../../src/domain/clicks/clickPartitions.ts';
import type { Logger } from '../../src/log.ts';
import type { QueuePayloads } from '../../src/queues.ts';

export function clickPartitionsProcessor(deps: { db: Db; retentionDays: number; log?: Logger; now?: () => Date }) {
  return async (job: Job<QueuePayloads['click-partitions']>) => {
    const now = deps.now?.() ?? new Date();
    const created = await createClickPartitions(deps.db, now);
    const { dropped, heldBack } = await dropExpiredClickPartitions(deps.db, now, deps.retentionDays);
    const batchIdsPruned = await pruneClickBatches(deps.db);
    if (created.length || dropped.length) deps.log?.info({ jobId: job.id, created, dropped, batchIdsPruned }, 'click partitions rotated');
    if (heldBack.length) deps.log?.warn({ jobId: job.id, heldBack }, 'expired click partitions kept: some of their clicks are not rolled up yet');
    return { created, dropped, heldBack, batchIdsPruned };
  };
}
