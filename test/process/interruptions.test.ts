// A worker that dies in the middle of a file, and two ingests of one report at the same moment: the ledger must
// hold every line exactly once afterwards, and nothing of an interrupted attempt.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { runIngest } from '../../src/domain/ingest/runIngest.ts';
import { testDb, unique } from '../support/env.ts';
import { newOrganisation } from '../support/fixtures.ts';
import { earningsCsv, recordIngest, totals, writeReport } from '../support/ingest.ts';
import { waitFor } from '../support/wait.ts';

const db = testDb();
afterAll(() => db.destroy());

/** A Fee-Earnings report of `n` rows over a few tracking IDs of its own, and its exact Ad Fees in cents. */
function bigReport(n: number) {
  const tags = Array.from({ length: 7 }, () => `${unique('kill')}-20`);
  const rows: string[] = [];
  let fees = 0;
  for (let i = 0; i < n; i++) {
    const cents = 100 + (i % 997);
    fees += cents;
    const day = String(1 + (i % 28)).padStart(2, '0');
    const time = `${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')}`;
    rows.push(
      `Home & Kitchen,"Mug ${i % 500}, blue",B0${String(i % 90_000).padStart(8, '0')},Amazon.com,${tags[i % tags.length]},2021-04-${day} ${time},25.00,1,0,25.00,${(cents / 100).toFixed(2)},PHONE`,
    );
  }
  return { file: writeReport(earningsCsv(['2021-04-01', '2021-04-30'], rows)), tags, fees };
}

async function entriesOf(ingestId: string) {
  const r = await db
    .selectFrom('ledger_entries')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('ingest_id', '=', ingestId)
    .executeTakeFirstOrThrow();
  return r.n;
}

describe('when the worker is killed in the middle of a file', () => {
  it('then none of that attempt is in the ledger, and the retry adds every line exactly once', async () => {
    const { file, tags, fees } = bigReport(120_000);
    const id = await recordIngest(db, file, { organisationId: await newOrganisation(db) });
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, '../support/runIngestChild.ts'), id], {
      env: { ...process.env, DATABASE_URL: inject('databaseUrl') },
      stdio: 'ignore',
    });
    const exited = once(child, 'exit');
    try {
      // Killed once its transaction is busy with the file (streaming rows or writing the ledger).
      await waitFor(
        async () => {
          const busy = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND state = 'active' AND (query LIKE 'COPY staging%' OR query LIKE '%INSERT INTO ledger_entries%')`.execute(db);
          return busy.rows[0]!.n;
        },
        (n) => n > 0,
        30_000,
      );
    } finally {
      child.kill('SIGKILL');
    }
    await exited;
    expect(await entriesOf(id)).toBe(0);
    expect(await totals(db, tags)).toEqual({});

    // The queue hands the job to another worker: the same ingest runs again, and may run twice.
    const retry = await runIngest(db, id);
    expect(retry.status.status).toBe('succeeded');
    expect(retry.status.counts).toMatchObject({ rows: 120_000, accepted: 120_000, unchanged: 0, rejected: 0 });
    expect(await totals(db, tags)).toEqual({ 'confirmed:USD': fees });
    const again = await runIngest(db, id);
    expect(again.status.counts).toMatchObject({ accepted: 120_000 });
    expect(await entriesOf(id)).toBe(120_000);
    expect(await totals(db, tags)).toEqual({ 'confirmed:USD': fees });
  }, 120_000);
});

describe('when the same report is ingested twice at the same moment', () => {
  it('then its lines are added once: one ingest accepts them, the other finds them unchanged', async () => {
    const { file, tags, fees } = bigReport(5_000);
    const organisationId = await newOrganisation(db);
    const [a, b] = await Promise.all([recordIngest(db, file, { organisationId }), recordIngest(db, file, { organisationId })]);
    const [ra, rb] = await Promise.all([runIngest(db, a), runIngest(db, b)]);
    const accepted = [ra.status.counts.accepted, rb.status.counts.accepted].sort((x, y) => x - y);
    const unchanged = [ra.status.counts.unchanged, rb.status.counts.unchanged].sort((x, y) => x - y);
    expect(accepted).toEqual([0, 5_000]);
    expect(unchanged).toEqual([0, 5_000]);
    expect(await totals(db, tags)).toEqual({ 'confirmed:USD': fees });
  }, 60_000);
});
