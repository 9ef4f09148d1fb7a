// The ingest's progress hook: rows read so far while reading (throttled), then one report when the ledger write starts.
import { afterAll, describe, expect, it } from 'vitest';
import { ingestFile, type IngestProgress } from '../../src/domain/ingest/ledgerIngest.ts';
import { testDb, unique } from '../support/env.ts';
import { newOrganisation } from '../support/fixtures.ts';
import { earningsCsv, recordIngest, writeReport } from '../support/ingest.ts';

const db = testDb();
afterAll(() => db.destroy());

const ROWS = 60_000;

/** A Fee-Earnings report of ROWS distinct rows (several MB: many parsed batches). */
function report(tag: string): string {
  const rows: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    const t = new Date(Date.UTC(2022, 3, 1) + i * 1000).toISOString().slice(0, 19).replace('T', ' ');
    rows.push(`Toys & Games,"Kite, model ${i}",B000000080,Amazon.com,${tag},${t},10.00,1,0,10.00,0.30,DESKTOP`);
  }
  return earningsCsv(['2022-04-01', '2022-04-30'], rows);
}

async function ingestWatching(file: string, progressIntervalMs?: number) {
  const calls: Array<IngestProgress & { at: number }> = [];
  const organisationId = await newOrganisation(db);
  const ingestId = await recordIngest(db, file, { organisationId });
  const started = performance.now();
  const result = await ingestFile(db, {
    ingestId,
    organisationId,
    network: 'amazon',
    filePath: file,
    progressIntervalMs,
    onProgress: (p) => void calls.push({ ...p, at: performance.now() }),
  });
  return { calls, result, elapsedMs: performance.now() - started };
}

describe('when a report is ingested with a progress listener', () => {
  it('then it hears the rows read so far, batch by batch, and then once that the ledger is being written', async () => {
    const { calls, result } = await ingestWatching(writeReport(report(`${unique('pr')}-20`)), 0);
    expect(result.counts.rows).toBe(ROWS);
    const reading = calls.filter((c) => c.phase === 'reading');
    // No interval: one report per parsed batch, each further along than the last; never one per row.
    expect(reading.length).toBeGreaterThan(3);
    expect(reading.length).toBeLessThan(ROWS / 1000);
    for (let i = 1; i < reading.length; i++) expect(reading[i]!.rows).toBeGreaterThan(reading[i - 1]!.rows);
    expect(reading.at(-1)!.rows).toBeLessThanOrEqual(ROWS);
    expect(calls.at(-1)).toMatchObject({ phase: 'writing', rows: ROWS });
    expect(calls.filter((c) => c.phase === 'writing')).toHaveLength(1);
  });

  it('then, by default, it hears at most one report every 250 ms while reading', async () => {
    const { calls, result, elapsedMs } = await ingestWatching(writeReport(report(`${unique('pt')}-20`)));
    expect(result.counts.rows).toBe(ROWS);
    const reading = calls.filter((c) => c.phase === 'reading');
    for (let i = 1; i < reading.length; i++) expect(reading[i]!.at - reading[i - 1]!.at).toBeGreaterThanOrEqual(249);
    expect(reading.length).toBeLessThanOrEqual(Math.floor(elapsedMs / 250));
    expect(calls.at(-1)).toMatchObject({ phase: 'writing', rows: ROWS });
  });

  it('then a listener that throws does not fail the ingest', async () => {
    const organisationId = await newOrganisation(db);
    const ingestId = await recordIngest(
      db,
      writeReport(
        earningsCsv(
          ['2022-05-01', '2022-05-31'],
          [`Toys & Games,Kite,B000000080,Amazon.com,${unique('pz')}-20,2022-05-02 10:00:00,10.00,1,0,10.00,0.30,DESKTOP`],
        ),
      ),
      { organisationId },
    );
    const file = (await db.selectFrom('feed_ingests').select('file_path').where('id', '=', ingestId).executeTakeFirstOrThrow()).file_path!;
    const result = await ingestFile(db, {
      ingestId,
      organisationId,
      network: 'amazon',
      filePath: file,
      onProgress: () => {
        throw new Error('terminal gone');
      },
    });
    expect(result.counts).toMatchObject({ rows: 1, accepted: 1 });
  });
});
