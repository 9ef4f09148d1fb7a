// A file whose every row is rejected is a failed ingest, not a succeeded one with nothing in it: through the real
// path (stored upload → runIngest → ingestFile), the status is `failed`, the reason names the first errors, the
// counts and row errors are kept, nothing reaches the ledger and the file stays on disk for inspection.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getIngest } from '../../src/domain/ingest/ingests.ts';
import { runIngest } from '../../src/domain/ingest/runIngest.ts';
import { testDb, unique } from '../support/env.ts';
import { newOrganisation } from '../support/fixtures.ts';
import { earningsCsv, recordIngest, writeReport } from '../support/ingest.ts';

const db = testDb();
afterAll(() => db.destroy());
let org: number;
beforeAll(async () => {
  org = await newOrganisation(db);
});

const row = (tag: string, over: { asin?: string; shipped?: string; adFees?: string } = {}) =>
  `Home,Lamp,${over.asin ?? 'B000000001'},Amazon.com,${tag},${over.shipped ?? '2021-12-02 10:00:00'},12.50,1,0,12.50,${over.adFees ?? '0.38'},PHONE`;

async function ledgerLines(tag: string): Promise<number> {
  const r = await db
    .selectFrom('ledger_entries')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('tracking_id', '=', tag)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

describe('when every row of a file is rejected', () => {
  it('then the ingest fails, naming the first errors, keeps its counts and row errors, and applies nothing', async () => {
    const tag = `${unique('rej')}-20`;
    const file = writeReport(
      earningsCsv(
        ['2021-12-01', '2021-12-31'],
        [row(tag, { asin: 'not-an-asin' }), row(tag, { shipped: '2021-13-45 10:00:00' }), row(tag, { adFees: '=1+1' }), row(tag, { adFees: 'lots' })],
      ),
    );
    const id = await recordIngest(db, file, { organisationId: org });
    const { status, affectedInfluencers } = await runIngest(db, id);
    expect(status).toMatchObject({ status: 'failed', counts: { rows: 4, accepted: 0, rejected: 4, unchanged: 0 } });
    expect(status.error).toMatch(/^All 4 rows of the file were rejected, so nothing was recorded\. First errors: /);
    expect(status.error).toContain('Fee-Earnings line 3: ASIN "not-an-asin" is not an ASIN');
    expect(status.error).toContain('Fee-Earnings line 4: Date Shipped "2021-13-45 10:00:00" is not a calendar date');
    expect(status.error).toContain('Fee-Earnings line 5: Ad Fees($) "=1+1" looks like a formula');
    expect(status.error).not.toContain('line 6');
    expect(status.rowErrors).toHaveLength(4);
    expect(status.reports).toMatchObject([{ kind: 'earnings', window: { start: '2021-12-01', end: '2021-12-31' } }]);
    expect(affectedInfluencers).toEqual([]);
    expect(await ledgerLines(tag)).toBe(0);
    // Failed files are kept for inspection (removeExpiredUploads clears them after the retention).
    const stored = await getIngest(db, id);
    expect(existsSync(stored!.filePath!)).toBe(true);
  });

  it('then one rejected row of one is a failure too, and one good row among bad ones is a success', async () => {
    const tag = `${unique('rej')}-20`;
    const one = await runIngest(
      db,
      await recordIngest(db, writeReport(earningsCsv(['2021-12-01', '2021-12-31'], [row(tag, { adFees: 'x' })])), { organisationId: org }),
    );
    expect(one.status).toMatchObject({
      status: 'failed',
      counts: { rows: 1, rejected: 1 },
      error: expect.stringMatching(/^The file's only row was rejected, so nothing was recorded\. First error: Fee-Earnings line 3: Ad Fees\(\$\) "x"/),
    });
    const mixed = await runIngest(
      db,
      await recordIngest(db, writeReport(earningsCsv(['2021-12-01', '2021-12-31'], [row(tag, { adFees: 'x' }), row(tag)])), { organisationId: org }),
    );
    expect(mixed.status).toMatchObject({ status: 'succeeded', error: null, counts: { rows: 2, accepted: 1, rejected: 1 } });
    expect(await ledgerLines(tag)).toBe(1);
  });

  it('then a report with no data rows at all is not a failure: it succeeds with nothing to do', async () => {
    const r = await runIngest(db, await recordIngest(db, writeReport(earningsCsv(['2021-12-01', '2021-12-31'], [])), { organisationId: org }));
    expect(r.status).toMatchObject({ status: 'succeeded', counts: { rows: 0, rejected: 0 } });
  });

  it('then a JSON-lines feed whose every line is invalid fails the same way', async () => {
    const r = await runIngest(db, await recordIngest(db, writeReport('{"orderId":"1"}\nnot json\n', 'jsonl'), { organisationId: org }));
    expect(r.status).toMatchObject({
      status: 'failed',
      counts: { rows: 2, rejected: 2 },
      error: expect.stringMatching(/^All 2 rows .* First errors: line 1: .*; line 2: \(line\) is not valid JSON$/),
    });
  });
});
