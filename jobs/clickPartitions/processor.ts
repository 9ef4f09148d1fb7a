// Click partition job (hourly): the partitions of this month and the next ones exist before a click needs them, and
// those wholly older than CLICK_RETENTION_DAYS are dropped (their counts stay in the click rollups). Ids of click
// batches written a week ago are forgotten too, and clicks from before clicks carried their organisation get it (for
// up to a minute a run, until none is left; then the column becomes NOT NULL).
import type { Job } from 'bullmq';
import type { Db } from '../../src/db/database.ts';
import { pruneClickBatches } from '../../src/domain/clicks/clickBuffer.ts';
import { fillClickOrganisations, requireClickOrganisations } from '../../src/domain/clicks/clickOrganisationFill.ts';
import { createClickPartitions, dropExpiredClickPartitions } from '../../src/domain/clicks/clickPartitions.ts';
import type { Logger } from '../../src/log.ts';
import type { QueuePayloads } from '../../src/queues.ts';

export function clickPartitionsProcessor(deps: { db: Db; retentionDays: number; log?: Logger; now?: () => Date; fillBudgetMs?: number }) {
  return async (job: Job<QueuePayloads['click-partitions']>) => {
    const now = deps.now?.() ?? new Date();
    const created = await createClickPartitions(deps.db, now);
    const { dropped, heldBack } = await dropExpiredClickPartitions(deps.db, now, deps.retentionDays);
    const batchIdsPruned = await pruneClickBatches(deps.db);
    const filled = await fillClickOrganisations(deps.db, { budgetMs: deps.fillBudgetMs ?? 60_000 });
    if (created.length || dropped.length) deps.log?.info({ jobId: job.id, created, dropped, batchIdsPruned }, 'click partitions rotated');
    if (filled.clicks || filled.rollups) deps.log?.info({ jobId: job.id, ...filled }, 'organisation filled on older clicks');
    const required = filled.done ? await requireClickOrganisations(deps.db) : [];
    if (required.length) deps.log?.info({ jobId: job.id, tables: required }, 'organisation now required on every click');
    if (heldBack.length) deps.log?.warn({ jobId: job.id, heldBack }, 'expired click partitions kept: some of their clicks are not rolled up yet');
    return { created, dropped, heldBack, batchIdsPruned };
  };
}
