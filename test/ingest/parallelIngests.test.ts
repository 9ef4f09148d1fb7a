// Ingests of different organisations run side by side: a big ingest never waits for another organisation's
// transaction to end (ANALYZE, which a big ingest runs, holds its lock until its transaction commits).
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { testDb, unique } from '../support/env.ts';
import { newOrganisation } from '../support/fixtures.ts';
import { earningsCsv, ingest, totals, writeReport } from '../support/ingest.ts';

const db = testDb();
afterAll(() => db.destroy());

describe('when another organisation’s big ingest is still open', () => {
  it('then this organisation’s big ingest completes without waiting for it, every line counted', async () => {
    const tag = `${unique('side')}-20`;
    let fees = 0;
    const rows = Array.from({ length: 3000 }, (_, i) => {
      const cents = 100 + (i % 250);
      fees += cents;
      const time = `${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')}`;
      return `Toys & Games,Kite ${i},B0${String(i).padStart(8, '0')},Amazon.com,${tag},2022-05-${String(1 + (i % 28)).padStart(2, '0')} ${time},25.00,1,0,25.00,${(cents / 100).toFixed(2)},PHONE`;
    });
    const file = writeReport(earningsCsv(['2022-05-01', '2022-05-31'], rows));
    const other = new pg.Client({ connectionString: inject('databaseUrl') });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('ANALYZE ledger_entries'); // what the other organisation's ingest holds until it commits
      const waited = new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 20_000).unref());
      const result = await Promise.race([ingest(db, file, { organisationId: await newOrganisation(db) }), waited]);
      expect(result).not.toBe('waited');
      expect(result).toMatchObject({ status: 'succeeded', counts: { rows: 3000, accepted: 3000 } });
      expect(await totals(db, [tag])).toEqual({ 'confirmed:USD': fees });
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
  }, 40_000);
});
