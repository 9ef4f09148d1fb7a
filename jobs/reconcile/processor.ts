// Reconcile job: ingests and their BullMQ jobs back in step, every RECONCILE_EVERY_MS (a job scheduler).
//
// An ingest lives in Postgres, its job in Redis, and either can lose track of the other: Redis restarted empty (the
// job is gone, the ingest says queued or running for ever), a job gave up while Postgres was away (the job failed,
// the ingest could not be told). For each ingest `queued` or `running` for longer than the interval:
//  - its job finally failed (or completed without the ingest saying so): the ingest is marked `failed` with why;
//  - its job is gone: it is queued again under its own id (the ingest id: one job per ingest, however many workers
//    reconcile at once), unless its stored file is gone too or it is older than a week, which mark it `failed`;
//    a `running` ingest whose ledger lock is held by someone is still being written and is left for the next tick;
//  - its job is waiting, delayed or active: nothing to do.
// `held` (waiting for a person), `succeeded` and `failed` ingests are never touched.
import { access } from 'node:fs/promises';
import type { Db } from '../../src/db/database.ts';
import type { Logger } from '../../src/log.ts';
import type { Queues } from '../../src/queues.ts';
import { failIngest, ledgerLockHeld, listStaleIngests, requeueRunningIngest } from '../../src/domain/ingest/ingestTransitions.ts';
import { removeExpiredUploads } from '../../src/domain/ingest/storeFile.ts';

/** Past this an ingest whose job is gone is not queued again (its job would long have been removed anyway). */
export const REQUEUE_MAX_AGE_MS = 7 * 86_400_000;
const BATCH = 500;

export interface ReconcileDeps {
  db: Db;
  queues: Pick<Queues, 'ingest'>;
  /** Ingests queued or (re)started less than this long ago are left alone (the producer may be between insert and add). */
  olderThanMs: number;
  log?: Logger | undefined;
  now?: () => Date;
}

export interface ReconcileResult {
  /** Ingests looked at (queued or running, old enough). */
  checked: number;
  /** Queued again: their job was gone. */
  requeued: string[];
  /** Marked failed, with the reason recorded on the ingest. */
  failed: Array<{ ingestId: string; reason: string }>;
  /** Job gone but the ledger lock of its organisation and network is held: maybe still being written. */
  deferred: string[];
}

export interface UploadCleanup {
  /** FEED_STORAGE_DIR. */
  dir: string;
  retentionMs: number;
}

/** Each pass reconciles ingests, then removes stored uploads past their retention (when `uploads` is given). */
export function reconcileProcessor(deps: ReconcileDeps & { uploads?: UploadCleanup }) {
  return async () => {
    const r = await reconcileIngests(deps);
    let uploadsRemoved = 0;
    if (deps.uploads) {
      const { removed } = await removeExpiredUploads(deps.uploads.dir, deps.uploads.retentionMs);
      uploadsRemoved = removed.length;
      if (removed.length > 0) deps.log?.info({ removed: removed.length, retentionMs: deps.uploads.retentionMs }, 'expired uploads removed');
    }
    return { checked: r.checked, requeued: r.requeued.length, failed: r.failed.length, deferred: r.deferred.length, uploadsRemoved };
  };
}

/** One pass. `only` confines it to the given ingests (tests share one database between many queue prefixes). */
export async function reconcileIngests(deps: ReconcileDeps, only?: string[]): Promise<ReconcileResult> {
  const { db, log } = deps;
  const now = deps.now?.() ?? new Date();
  const before = new Date(now.getTime() - deps.olderThanMs);
  const result: ReconcileResult = { checked: 0, requeued: [], failed: [], deferred: [] };
  if (only?.length === 0) return result;
  const stuck = await listStaleIngests(db, { before, limit: BATCH, only });
  result.checked = stuck.length;

  const markFailed = async (ingestId: string, reason: string) => {
    // Only while it still says queued or running: a worker may have finished it since it was read.
    if (await failIngest(db, ingestId, reason, ['queued', 'running'])) {
      result.failed.push({ ingestId, reason });
      log?.warn({ ingestId, reason }, 'ingest marked failed');
    }
  };

  for (const ingest of stuck) {
    const job = await deps.queues.ingest.getJob(ingest.id);
    const state = job ? await job.getState() : 'missing';
    if (state === 'failed') {
      const attempts = job?.attemptsMade ?? 0;
      await markFailed(ingest.id, `Gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${job?.failedReason || 'no reason recorded'}`);
      continue;
    }
    if (state === 'completed') {
      await markFailed(ingest.id, 'Its job finished without recording an outcome; send the report again.');
      continue;
    }
    if (state !== 'missing' && state !== 'unknown') continue; // waiting, delayed, active, prioritized: in hand

    if (now.getTime() - ingest.createdAt.getTime() > REQUEUE_MAX_AGE_MS) {
      await markFailed(ingest.id, 'Its job was lost more than a week ago; send the report again.');
      continue;
    }
    if (!ingest.filePath || !(await exists(ingest.filePath))) {
      await markFailed(ingest.id, 'Its job was lost and its stored file is gone; send the report again.');
      continue;
    }
    if (ingest.status === 'running' && (await ledgerLockHeld(db, ingest.organisationId, ingest.network))) {
      result.deferred.push(ingest.id);
      continue;
    }
    // The ingest id is the job id: a job already added (by another worker's reconciler, say) is not added twice.
    await deps.queues.ingest.add('ingest', { ingestId: ingest.id }, { jobId: ingest.id });
    await requeueRunningIngest(db, ingest.id);
    result.requeued.push(ingest.id);
    log?.warn({ ingestId: ingest.id, was: ingest.status }, 'ingest re-queued: its job was lost');
  }
  return result;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
