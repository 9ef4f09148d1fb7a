// Ingest job: run the recorded ingest, verify the tracking ID claims the report proves, then queue one notification
// per influencer with new entries and a refresh of the earnings rollups.
import { UnrecoverableError, type Job } from 'bullmq';
import type { Db } from '../../src/db/database.ts';
import { getIngest } from '../../src/domain/ingest/ingests.ts';
import { runIngest } from '../../src/domain/ingest/runIngest.ts';
import { verifyClaimsByReport } from '../../src/domain/workspaces/trackingIdClaims.ts';
import type { QueuePayloads, Queues } from '../../src/queues.ts';

export function ingestProcessor(deps: { db: Db; queues: Pick<Queues, 'notify' | 'earnings-rollup'>; trickleWindowMs?: number }) {
  const windowMs = deps.trickleWindowMs ?? 60_000;
  return async (job: Job<QueuePayloads['ingest']>) => {
    const { ingestId } = job.data;
    if (!(await getIngest(deps.db, ingestId))) throw new UnrecoverableError(`Ingest ${ingestId} does not exist`);
    // Progress goes to the job (Redis), where whoever queued it can follow along (the CLI shows it on a terminal).
    const out = await runIngest(deps.db, ingestId, { onProgress: (p) => void job.updateProgress(p).catch(() => undefined) });
    // After the ledger's commit, in transactions of their own: pending claims of this organisation on tracking IDs the
    // report carries, made before it arrived, are verified (a retry finds them decided and changes nothing). Their
    // claimants are told like anyone with new entries: the lines waiting for them are theirs now.
    const verified = out.status.status === 'succeeded' ? await verifyClaimsByReport(deps.db, ingestId) : [];
    const affected = [...new Set([...out.affectedInfluencers, ...verified.map((v) => v.influencerId)])];
    // Job ids make a retry of this step harmless: the same notification is never queued twice.
    // Postbacks (our JSON-lines feed) arrive one at a time: they are grouped per influencer per window.
    const trickle = out.status.reports.length > 0 && (out.status.reports as Array<{ kind: string }>).every((r) => r.kind === 'events');
    const now = Date.now();
    const window = Math.floor(now / windowMs);
    await deps.queues.notify.addBulk(
      affected.map((influencerId) =>
        trickle
          ? { name: 'notify', data: { influencerId, window }, opts: { jobId: `notify-w${window}-${influencerId}`, delay: (window + 1) * windowMs - now } }
          : { name: 'notify', data: { influencerId, ingestId }, opts: { jobId: `notify-${ingestId}-${influencerId}` } },
      ),
    );
    // The rollups catch up right after a report; a trickle of postbacks is rolled up once per window.
    await deps.queues['earnings-rollup'].add(
      'earnings-rollup',
      { ingestId },
      trickle ? { jobId: `rollup-w${window}`, delay: (window + 1) * windowMs - now } : { jobId: `rollup-${ingestId}` },
    );
    return out.status.counts;
  };
}
