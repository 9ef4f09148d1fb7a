import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { reconcileIngests, reconcileProcessor, type ReconcileDeps } from '../../jobs/reconcile/processor.ts';
import { ingestProcessor } from '../../jobs/ingest/processor.ts';
import { closeQueues, createQueues, type Queues } from '../../src/queues.ts';
import { createQueueConnection } from '../../src/redis.ts';
import { testDb, unique } from '../support/env.ts';
import { newOrganisation } from '../support/fixtures.ts';
import { earningsCsv, recordIngest, writeReport } from '../support/ingest.ts';
import { jobFinished } from '../support/queues.ts';
import { failOnUnheardErrors } from './support/unheard.ts';

failOnUnheardErrors();
const db = testDb();
const connection = createQueueConnection(inject('redisUrl'));
const opened: Queues[] = [];
afterAll(async () => {
  await Promise.all(opened.map(closeQueues));
  await connection.quit();
  await db.destroy();
});

/** Queues of their own prefix, as if Redis had come back empty: no job exists for any ingest. */
function emptyQueues(): { queues: Queues; prefix: string } {
  const prefix = `${inject('queuePrefix')}_${unique('rc')}`;
  const queues = createQueues(connection, prefix);
  opened.push(queues);
  return { queues, prefix };
}

/** A recorded ingest of a one-line report (its stored file on disk), with no job. */
async function strandedIngest(status: 'queued' | 'running' | 'held' | 'succeeded' | 'failed' = 'queued') {
  const organisationId = await newOrganisation(db);
  const file = writeReport(
    earningsCsv(['2021-10-01', '2021-10-31'], [`Toys & Games,Kite,B000000050,Amazon.com,${unique('rc')}-20,2021-10-02 10:00:00,10.00,1,0,10.00,0.30,DESKTOP`]),
  );
  const id = await recordIngest(db, file, { organisationId, marketplace: 'US' });
  if (status !== 'queued') await db.updateTable('feed_ingests').set({ status, started_at: new Date() }).where('id', '=', id).execute();
  return { id, organisationId };
}

const statusOf = async (id: string) => db.selectFrom('feed_ingests').select(['status', 'error']).where('id', '=', id).executeTakeFirstOrThrow();
/** Every ingest counts as old enough: the clock of the pass is a minute ahead. */
const deps = (queues: Queues, extra: Partial<ReconcileDeps> = {}): ReconcileDeps => ({
  db,
  queues,
  olderThanMs: 1000,
  now: () => new Date(Date.now() + 60_000),
  ...extra,
});

describe('when Redis lost the job of an ingest that was queued', () => {
  it('then the reconciler queues it again under the ingest id, one job however many reconcilers run, and it completes', async () => {
    const { queues, prefix } = emptyQueues();
    const { id } = await strandedIngest('queued');
    const passes = await Promise.all([1, 2, 3].map(() => reconcileIngests(deps(queues), [id])));
    expect(passes.flatMap((p) => p.requeued).length).toBeGreaterThanOrEqual(1);
    const job = await queues.ingest.getJob(id);
    expect(job?.id).toBe(id);
    expect(id).not.toContain(':');
    expect(await queues.ingest.getJobCounts('waiting', 'active', 'delayed')).toEqual({ waiting: 1, active: 0, delayed: 0 });
    // Again, now that its job exists: nothing to do.
    expect(await reconcileIngests(deps(queues), [id])).toMatchObject({ checked: 1, requeued: [], failed: [] });

    const worker = new Worker('ingest', ingestProcessor({ db, queues }), { connection, prefix });
    worker.on('error', () => undefined);
    try {
      expect(await jobFinished(queues.ingest, id)).toBe('completed');
      expect(await statusOf(id)).toEqual({ status: 'succeeded', error: null });
    } finally {
      await worker.close();
    }
  });
});

describe('when Redis lost the job of an ingest that was running', () => {
  it('then it is queued again and says queued, unless its ledger lock is held (still being written), when it is left for the next pass', async () => {
    const { queues } = emptyQueues();
    const { id, organisationId } = await strandedIngest('running');
    // Another connection holds the ledger lock of the organisation: the ingest may still be writing.
    await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext('ledger-ingest:' || ${String(organisationId)} || ':amazon'))`.execute(trx);
      expect(await reconcileIngests(deps(queues), [id])).toMatchObject({ deferred: [id], requeued: [] });
    });
    expect(await queues.ingest.getJob(id)).toBeUndefined();
    expect(await reconcileIngests(deps(queues), [id])).toMatchObject({ requeued: [id] });
    expect(await statusOf(id)).toMatchObject({ status: 'queued' });
    expect(await (await queues.ingest.getJob(id))?.getState()).toBe('waiting');
  });
});

describe('when an ingest cannot be taken up again', () => {
  it("then one whose job gave up is marked failed with the job's reason", async () => {
    const { queues, prefix } = emptyQueues();
    const { id } = await strandedIngest('running');
    await queues.ingest.add('ingest', { ingestId: id }, { jobId: id, attempts: 1 });
    const worker = new Worker(
      'ingest',
      async () => {
        throw new UnrecoverableError('the disk is on fire');
      },
      { connection, prefix },
    );
    worker.on('error', () => undefined);
    try {
      expect(await jobFinished(queues.ingest, id)).toBe('failed');
    } finally {
      await worker.close();
    }
    const pass = await reconcileIngests(deps(queues), [id]);
    expect(pass.failed).toEqual([{ ingestId: id, reason: 'Gave up after 1 attempt: the disk is on fire' }]);
    expect(await statusOf(id)).toEqual({ status: 'failed', error: 'Gave up after 1 attempt: the disk is on fire' });
  });

  it('then one whose job and stored file are both gone is marked failed, saying so', async () => {
    const { queues } = emptyQueues();
    const { id } = await strandedIngest('queued');
    const { file_path } = await db.selectFrom('feed_ingests').select('file_path').where('id', '=', id).executeTakeFirstOrThrow();
    rmSync(file_path!);
    expect(await reconcileIngests(deps(queues), [id])).toMatchObject({ failed: [{ ingestId: id }], requeued: [] });
    expect(await statusOf(id)).toEqual({ status: 'failed', error: 'Its job was lost and its stored file is gone; send the report again.' });
    expect(await queues.ingest.getJob(id)).toBeUndefined();
  });
});

describe('when ingests are held, finished or young', () => {
  it('then the reconciler leaves them alone', async () => {
    const { queues } = emptyQueues();
    const settled = await Promise.all((['held', 'succeeded', 'failed'] as const).map((s) => strandedIngest(s)));
    const ids = settled.map((s) => s.id);
    expect(await reconcileIngests(deps(queues), ids)).toEqual({ checked: 0, requeued: [], failed: [], deferred: [] });
    const young = await strandedIngest('queued');
    expect(await reconcileIngests(deps(queues, { olderThanMs: 60_000, now: () => new Date() }), [young.id])).toMatchObject({ checked: 0 });
    for (const id of [...ids, young.id]) expect(await queues.ingest.getJob(id)).toBeUndefined();
    expect((await Promise.all(settled.map((s) => statusOf(s.id)))).map((s) => s.status)).toEqual(['held', 'succeeded', 'failed']);
  });
});

describe('when a reconciler pass runs with uploads past their retention', () => {
  it('then the stored files older than UPLOAD_RETENTION_DAYS are removed and younger ones kept', async () => {
    const { queues } = emptyQueues();
    const dir = mkdtempSync(path.join(tmpdir(), 'uploads-'));
    try {
      const old = path.join(dir, `${randomUUID()}.report`);
      const young = path.join(dir, `${randomUUID()}.report`);
      writeFileSync(old, 'a failed upload from three weeks ago');
      writeFileSync(young, 'a failed upload from yesterday');
      const at = (days: number) => new Date(Date.now() - days * 86_400_000);
      utimesSync(old, at(21), at(21));
      utimesSync(young, at(1), at(1));
      // The pass's clock stands at 1970, so no ingest of the shared database is old enough for it to touch.
      const pass = reconcileProcessor({ ...deps(queues), now: () => new Date(0), uploads: { dir, retentionMs: 14 * 86_400_000 } });
      expect(await pass()).toEqual({ checked: 0, requeued: 0, failed: 0, deferred: 0, uploadsRemoved: 1 });
      expect(existsSync(old)).toBe(false);
      expect(existsSync(young)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
