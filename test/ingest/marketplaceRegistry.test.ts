// A Fee-Orders CSV downloaded from amazon.ca on its own looks exactly like one from amazon.com: a `$` price header,
// -20 tags and no Seller column. Where its tracking IDs are registered with us for Canada, it is read in CAD.
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createInfluencer } from '../../src/domain/organisations/influencers.ts';
import { testDb, unique } from '../support/env.ts';
import { newOrganisation } from '../support/fixtures.ts';
import { ingest, writeReport } from '../support/ingest.ts';
import { fixtureSheetCells, toDelimited } from '../feeds/support/files.ts';

const db = testDb();
afterAll(() => db.destroy());

/** The real CA Fee-Orders sheet as a CSV, its tags renamed so no other test shares them; returns the tags too. */
async function caOrdersCsv() {
  const [title, header, ...rows] = await fixtureSheetCells('ca-2021-03-orders-earnings.xlsx', 'xl/worksheets/sheet1.xml');
  const tagAt = header!.indexOf('Tag');
  const suffix = unique('ca');
  const renamed = rows.map((r) => r.map((c, i) => (i === tagAt ? c.replace(/-20$/, `${suffix}-20`) : c)));
  const tags = [...new Set(renamed.map((r) => r[tagAt]!))];
  return { file: writeReport(toDelimited([title!, header!, ...renamed])), tags, rows: rows.length };
}

async function currencies(tags: string[]) {
  const r = await db
    .selectFrom('ledger_entries')
    .select(['currency', 'marketplace', sql<number>`count(*)::int`.as('n')])
    .where('tracking_id', 'in', tags)
    .groupBy(['currency', 'marketplace'])
    .execute();
  return r.map((x) => `${x.n} ${x.marketplace} ${x.currency}`);
}

describe('when a Fee-Orders CSV from amazon.ca arrives on its own', () => {
  it('then tracking IDs another organisation registered for Canada say nothing about this organisation’s report', async () => {
    const { file, tags } = await caOrdersCsv();
    const elsewhere = await newOrganisation(db);
    for (const [i, tag] of tags.entries())
      await createInfluencer(db, {
        handle: unique(`cx${i}`),
        displayName: 'CA creator elsewhere',
        trackingId: tag,
        marketplace: 'CA',
        organisationId: elsewhere,
      });
    const status = await ingest(db, file, { organisationId: await newOrganisation(db) });
    expect(status.summary).toMatchObject({ marketplace: 'US', marketplaceSource: 'header' });
    expect(status.counts.unattributed).toBe(status.counts.rows);
  });

  it('then tracking IDs registered for Canada make it a CAD report, without ?marketplace', async () => {
    const { file, tags, rows } = await caOrdersCsv();
    const organisationId = await newOrganisation(db);
    for (const [i, tag] of tags.entries())
      await createInfluencer(db, { handle: unique(`cr${i}`), displayName: 'CA creator', trackingId: tag, marketplace: 'CA', organisationId });
    const status = await ingest(db, file, { organisationId });
    expect(status.status).toBe('succeeded');
    expect(status.summary).toMatchObject({ marketplace: 'CA', marketplaceSource: 'registered-tracking-id' });
    expect(status.counts).toMatchObject({ accepted: rows, rejected: 0 });
    expect(await currencies(tags)).toEqual([`${rows} CA CAD`]);
  });

  it('then unregistered tracking IDs leave it to the `$` header, which means amazon.com, as before', async () => {
    const { file, tags, rows } = await caOrdersCsv();
    const status = await ingest(db, file, { organisationId: await newOrganisation(db) });
    expect(status.summary).toMatchObject({ marketplace: 'US', marketplaceSource: 'header' });
    expect(await currencies(tags)).toEqual([`${rows} US USD`]);
  });
});
