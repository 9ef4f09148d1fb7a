import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReportFile } from '../../src/domain/feeds/readReportFile.ts';
import { createInfluencer } from '../../src/domain/organisations/influencers.ts';
import { createIngest } from '../../src/domain/ingest/ingests.ts';
import { runIngest } from '../../src/domain/ingest/runIngest.ts';
import { storeLocalFile } from '../../src/domain/ingest/storeFile.ts';
import { earningsSummary } from '../../src/domain/earnings/summary.ts';
import { parsePeriod } from '../../src/domain/earnings/period.ts';
import { testDb, unique } from '../support/env.ts';
import { newOrganisation } from '../support/fixtures.ts';
import { FIXTURES, earningsCsv, ingest, ordersCsv, totals, writeReport, type IngestOptions } from '../support/ingest.ts';

const db = testDb();
afterAll(() => db.destroy());
// This file's reports belong to an organisation of its own: other test files ingest the same fixtures (which share
// tracking IDs) into the same database at any moment, into their organisations, and change nothing compared here.
let org: number;
beforeAll(async () => {
  org = await newOrganisation(db);
});
const ingestHere = (file: string, opts: Omit<IngestOptions, 'organisationId'> = {}) => ingest(db, file, { organisationId: org, ...opts });

const US = `${FIXTURES}/us-2021-03-all-reports.xlsx`;
const CA = `${FIXTURES}/ca-2021-03-orders-earnings.xlsx`;

/** Ad Fees per tracking ID as the Fee-Earnings sheet itself states them (through the reader, not the ledger). */
async function sheetAdFees(file: string) {
  const report = await readReportFile(file);
  const byTag = new Map<string, number>();
  let returns = 0;
  for await (const row of report.rows()) {
    if (row.kind !== 'earnings') continue;
    byTag.set(row.trackingId, (byTag.get(row.trackingId) ?? 0) + row.adFeesMinor);
    if (row.returns > 0 && row.itemsShipped === 0) returns++;
  }
  return { byTag, returns };
}

// Other test files ingest reports into the same database in parallel: every figure here is restricted
// to the tracking IDs of the fixture sheets, which no other test uses.
async function ledgerByTag(kinds: string[], currency: string, tags: Iterable<string>) {
  const rows = await db
    .selectFrom('ledger_entries')
    .select(['tracking_id', sql<number>`sum(amount_minor)::bigint`.as('amount')])
    .where('tracking_id', 'in', [...tags])
    .where('organisation_id', '=', org)
    .where('report_type', '=', 'earnings')
    .where('kind', 'in', kinds as never)
    .where('currency', '=', currency)
    .groupBy('tracking_id')
    .execute();
  return new Map(rows.map((r) => [r.tracking_id, Number(r.amount)]));
}

async function earningsTotal(currency: string, file: string) {
  const { byTag } = await sheetAdFees(file);
  const r = await db
    .selectFrom('ledger_entries')
    .select(sql<number>`coalesce(sum(amount_minor), 0)::bigint`.as('amount'))
    .where('tracking_id', 'in', [...byTag.keys()])
    .where('organisation_id', '=', org)
    .where('report_type', '=', 'earnings')
    .where('currency', '=', currency)
    .executeTakeFirstOrThrow();
  return Number(r.amount);
}

// The fixture workbooks share one database: these tests run in order and each checks what it adds.
describe('when the Amazon fixture workbooks are ingested', () => {
  let first: Awaited<ReturnType<typeof ingest>>;
  beforeAll(async () => {
    first = await ingestHere(US);
  });

  it('then the US Fee-Earnings sheet totals exactly USD 12,357.72 with its 316 returns as reversals', async () => {
    expect(first.status).toBe('succeeded');
    expect(await earningsTotal('USD', US)).toBe(1235772);
    const tags = [...(await sheetAdFees(US)).byTag.keys()];
    const reversals = await db
      .selectFrom('ledger_entries')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('tracking_id', 'in', tags)
      .where('organisation_id', '=', org)
      .where('report_type', '=', 'earnings')
      .where('kind', '=', 'reversal')
      .where('currency', '=', 'USD')
      .executeTakeFirstOrThrow();
    expect(reversals.n).toBe(316);
    expect(first.counts).toMatchObject({ rejected: 0, unchanged: 0 });
    expect(first.counts.reversed).toBe(316);
    expect(first.counts.accepted).toBe(first.counts.rows);
    expect((first.summary as { marketplace: string }).marketplace).toBe('US');
  });

  it('then every tracking ID total matches the sheet to the cent', async () => {
    const { byTag, returns } = await sheetAdFees(US);
    expect(returns).toBe(316);
    const ledger = await ledgerByTag(['confirmed', 'reversal'], 'USD', byTag.keys());
    expect(ledger.size).toBe(byTag.size);
    for (const [tag, amount] of byTag) expect(ledger.get(tag), tag).toBe(amount);
  });

  it('then ingesting the same workbook again changes no total', async () => {
    const tags = [...(await sheetAdFees(US)).byTag.keys()];
    const snapshot = () =>
      db
        .selectFrom('ledger_entries')
        .select([sql<number>`count(*)::int`.as('n'), sql<number>`sum(amount_minor)::bigint`.as('s')])
        .where('tracking_id', 'in', tags)
        .where('organisation_id', '=', org)
        .executeTakeFirstOrThrow();
    const before = await snapshot();
    const again = await ingestHere(US);
    expect(again.status).toBe('succeeded');
    expect(again.counts).toMatchObject({ accepted: 0, reversed: 0, unchanged: first.counts.rows });
    expect(await snapshot()).toEqual(before);
  }, 90_000); // two full workbook ingests: ~14 s alone, twice that beside other files on 2 cores

  it('then the CA workbook adds exactly its own figures, in CAD', async () => {
    const usBefore = await earningsTotal('USD', US);
    const ca = await ingestHere(CA);
    expect(ca.status).toBe('succeeded');
    expect((ca.summary as { marketplace: string }).marketplace).toBe('CA');
    expect(await earningsTotal('CAD', CA)).toBe(218652);
    expect(await earningsTotal('USD', US)).toBe(usBefore);
    const { byTag } = await sheetAdFees(CA);
    const ledger = await ledgerByTag(['confirmed', 'reversal'], 'CAD', byTag.keys());
    for (const [tag, amount] of byTag) expect(ledger.get(tag), tag).toBe(amount);
    const again = await ingestHere(CA);
    expect(again.counts.accepted).toBe(0);
    expect(await earningsTotal('CAD', CA)).toBe(218652);
  });

  it('then Orders-based estimates are compared with the confirmed Ad Fees', async () => {
    const summary = first.summary as {
      estimateAccuracy: Array<{ currency: string; pairs: number; estimatedMinor: number; confirmedMinor: number }>;
      unmappedCategories: string[];
    };
    expect(summary.estimateAccuracy).toEqual([expect.objectContaining({ currency: 'USD', pairs: expect.any(Number) })]);
    expect(summary.estimateAccuracy[0]!.pairs).toBeGreaterThan(1000);
    // The rate card should land within 15% of what Amazon actually paid for the same items.
    const { estimatedMinor, confirmedMinor } = summary.estimateAccuracy[0]!;
    expect(Math.abs(estimatedMinor - confirmedMinor) / confirmedMinor).toBeLessThan(0.15);
    expect(summary.unmappedCategories).toEqual([]);
  });

  it('then the status says how long the ingest ran and where the time went', async () => {
    const ran = new Date(first.finishedAt!).getTime() - new Date(first.startedAt!).getTime();
    const steps = (first.summary as { stepsMs: Record<string, number> }).stepsMs;
    expect(Object.keys(steps).sort()).toEqual(['insert', 'keys', 'rates', 'read', 'release', 'summary', 'windows']);
    // Reading a 10,000-line workbook takes a while; the finish is stamped when the ledger commits, not when it began.
    expect(steps.read).toBeGreaterThan(0);
    expect(ran).toBeGreaterThanOrEqual(Object.values(steps).reduce((a, b) => a + b, 0) - 5);
  });
});

describe('when reports for one tracking ID arrive over time', () => {
  const row = (
    tag: string,
    asin: string,
    date: string,
    price: string,
    shipped: number,
    returns: number,
    revenue: string,
    fees: string,
    category = 'Kitchen & Dining',
  ) => `${category},"Thing, with comma",${asin},Amazon.com,${tag},${date} 10:00:00,${price},${shipped},${returns},${revenue},${fees},DESKTOP`;

  it('then a re-issued window reverses the lines that vanished, and only for the same account', async () => {
    const tag = `${unique('win')}-20`;
    const other = `${unique('oth')}-20`;
    const w: [string, string] = ['2021-05-01', '2021-05-31'];
    await ingestHere(
      writeReport(
        earningsCsv(w, [
          row(tag, 'B000000001', '2021-05-03', '10.00', 1, 0, '10.00', '0.45'),
          row(tag, 'B000000002', '2021-05-04', '20.00', 1, 0, '20.00', '0.90'),
        ]),
      ),
    );
    await ingestHere(writeReport(earningsCsv(w, [row(other, 'B000000003', '2021-05-05', '30.00', 1, 0, '30.00', '1.35')])));
    expect(await totals(db, [tag])).toEqual({ 'confirmed:USD': 135 });
    const reissued = await ingestHere(writeReport(earningsCsv(w, [row(tag, 'B000000001', '2021-05-03', '10.00', 1, 0, '10.00', '0.45')])));
    expect(reissued.counts).toMatchObject({ accepted: 0, unchanged: 1, reversed: 1 });
    expect(await totals(db, [tag])).toEqual({ 'confirmed:USD': 135, 'reversal:USD': -90 });
    expect(await totals(db, [other])).toEqual({ 'confirmed:USD': 135 });
    const again = await ingestHere(writeReport(earningsCsv(w, [row(tag, 'B000000001', '2021-05-03', '10.00', 1, 0, '10.00', '0.45')])));
    expect(again.counts).toMatchObject({ accepted: 0, reversed: 0 });
    expect(await totals(db, [tag])).toEqual({ 'confirmed:USD': 135, 'reversal:USD': -90 });
  });

  it('then identical rows stay distinct, and an overlapping window does not count them twice', async () => {
    const tag = `${unique('dup')}-20`;
    const same = row(tag, 'B000000009', '2021-06-10', '5.00', 1, 0, '5.00', '0.15');
    await ingestHere(writeReport(earningsCsv(['2021-06-01', '2021-06-15'], [same, same])));
    expect(await totals(db, [tag])).toEqual({ 'confirmed:USD': 30 });
    const overlap = await ingestHere(
      writeReport(earningsCsv(['2021-06-08', '2021-06-20'], [same, same, row(tag, 'B000000010', '2021-06-18', '5.00', 1, 0, '5.00', '0.15')])),
    );
    expect(overlap.counts).toMatchObject({ accepted: 1, unchanged: 2, reversed: 0 });
    expect(await totals(db, [tag])).toEqual({ 'confirmed:USD': 45 });
  });

  it('then a pending estimate stops counting once its shipment is confirmed', async () => {
    const tag = `${unique('pend')}-20`;
    const order = (asin: string, date: string, qty: number, price: string, category = 'Kitchen & Dining') =>
      `${category},Pan,${asin},${date} 09:00:00,${qty},${price},Text+Image,${tag},di,MOBILE`;
    await ingestHere(
      writeReport(ordersCsv(['2021-07-01', '2021-07-31'], [order('B000000011', '2021-07-02', 2, '100.00'), order('B000000012', '2021-07-03', 1, '50.00')])),
    );
    // Kitchen is 4.5%: 2 × 100.00 → 9.00, 50.00 → 2.25.
    expect(await totals(db, [tag])).toEqual({ 'pending:USD': 1125 });
    await ingestHere(writeReport(earningsCsv(['2021-07-01', '2021-07-31'], [row(tag, 'B000000011', '2021-07-05', '100.00', 2, 0, '200.00', '9.00')])));
    const live = await totals(db, [tag]);
    expect(live).toEqual({ 'confirmed:USD': 900, 'pending:USD': 225 });
    // Re-ingesting both changes nothing.
    await ingestHere(
      writeReport(ordersCsv(['2021-07-01', '2021-07-31'], [order('B000000011', '2021-07-02', 2, '100.00'), order('B000000012', '2021-07-03', 1, '50.00')])),
    );
    expect(await totals(db, [tag])).toEqual(live);
  });

  it('then estimates use the rate in force on the order date (the change of 2020-04-21)', async () => {
    const tag = `${unique('rate')}-20`;
    const order = (date: string) => `Furniture,Chair,B000000020,${date} 12:00:00,1,100.00,Text+Image,${tag},di,DESKTOP`;
    await ingestHere(writeReport(ordersCsv(['2020-04-20', '2020-04-21'], [order('2020-04-20'), order('2020-04-21')])));
    const rates = await db.selectFrom('ledger_entries').select(['rate_bp', 'amount_minor']).where('tracking_id', '=', tag).orderBy('occurred_at').execute();
    expect(rates).toEqual([
      { rate_bp: 800, amount_minor: 800 },
      { rate_bp: 300, amount_minor: 300 },
    ]);
  });

  it('then lines of an unregistered tracking ID wait, and become the influencer’s when it is registered', async () => {
    const handle = unique('late');
    const tag = `${handle}-20`;
    const r = await ingestHere(writeReport(earningsCsv(['2021-08-01', '2021-08-31'], [row(tag, 'B000000030', '2021-08-03', '40.00', 1, 0, '40.00', '1.20')])));
    expect(r.counts.unattributed).toBe(1);
    expect((r.summary as { unattributedTrackingIds: string[] }).unattributedTrackingIds).toContain(tag);
    const { influencer } = await createInfluencer(db, { handle, displayName: 'Late', trackingId: tag, organisationId: org });
    const s = await earningsSummary(db, { influencerId: influencer.id }, parsePeriod('all', 'UTC'));
    expect(s.totals).toEqual([expect.objectContaining({ currency: 'USD', confirmed: 120 })]);
    // The ingest that brought the line now counts the influencer among those it affected (managers' digests
    // use this to tell which shared feeds bring in their roster's lines).
    const recorded = await db.selectFrom('feed_ingests').select('affected_influencers').where('id', '=', r.ingestId).executeTakeFirstOrThrow();
    expect(recorded.affected_influencers).toEqual([influencer.id]);
  });
});

describe('when an ingest finishes', () => {
  it('then only its own stored copy is removed, never the file an operator pointed at', async () => {
    const original = writeReport(
      earningsCsv(
        ['2022-02-01', '2022-02-28'],
        [`Toys & Games,Kite,B000000099,Amazon.com,${unique('own')}-20,2022-02-02 10:00:00,10.00,1,0,10.00,0.30,DESKTOP`],
      ),
    );
    const id = await createIngest(db, {
      organisationId: org,
      network: 'amazon',
      source: 'cli',
      filePath: original,
      fileName: 'x.csv',
      sha256: 'x',
      byteSize: 1,
      marketplace: null,
    });
    expect((await runIngest(db, id)).status.status).toBe('succeeded');
    expect(existsSync(original)).toBe(true);
    const stored = await storeLocalFile(original, path.join(tmpdir(), 'own-storage'), 1 << 20);
    const id2 = await createIngest(db, {
      organisationId: org,
      network: 'amazon',
      source: 'cli',
      filePath: stored.path,
      fileName: 'x.csv',
      sha256: stored.sha256,
      byteSize: stored.bytes,
      marketplace: null,
    });
    expect((await runIngest(db, id2)).status.status).toBe('succeeded');
    expect(existsSync(stored.path)).toBe(false);
  });
});

describe('when a report is bad', () => {
  it('then an unreadable file fails with a clear error and adds nothing', async () => {
    // This file's organisation only: other files ingest into the same database meanwhile.
    const count = async () =>
      (
        await db
          .selectFrom('ledger_entries')
          .select(sql<number>`count(*)::int`.as('n'))
          .where('organisation_id', '=', org)
          .executeTakeFirstOrThrow()
      ).n;
    const before = await count();
    await expect(ingestHere(writeReport(''))).rejects.toMatchObject({ message: 'The file is empty.' });
    for (const content of ['\u0000\u0001\u0002binary junk\u00ff', 'just,some,csv\n1,2,3\n']) {
      const r = await ingestHere(writeReport(content));
      expect(r.status).toBe('failed');
      expect(r.error).toMatch(/\S/);
    }
    expect(await count()).toBe(before);
  });

  it('then bad rows are rejected with their line numbers and the good rows are kept', async () => {
    const tag = `${unique('bad')}-20`;
    const good = `Kitchen & Dining,Pan,B000000040,Amazon.com,${tag},2021-09-03 10:00:00,10.00,1,0,10.00,0.45,DESKTOP`;
    const bad = `Kitchen & Dining,Pan,B000000041,Amazon.com,${tag},2021-09-03 10:00:00,10.00,lots,0,10.00,0.45,DESKTOP`;
    const r = await ingestHere(writeReport(earningsCsv(['2021-09-01', '2021-09-30'], [good, bad])));
    expect(r.status).toBe('succeeded');
    expect(r.counts).toMatchObject({ accepted: 1, rejected: 1 });
    expect(r.rowErrors).toEqual([expect.objectContaining({ line: 4, message: expect.stringMatching(/Items Shipped/) })]);
    expect(await totals(db, [tag])).toEqual({ 'confirmed:USD': 45 });
  });
});
