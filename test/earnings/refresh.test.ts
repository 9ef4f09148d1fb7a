// The rollup refresh never skips a committed line: not one whose transaction was still open when a refresh ran (ids
// are drawn at insert, commits come later), not with several refreshes at once; and a line that missed attribution
// because its tracking ID was registered while its ingest was open is attributed by the refresh.
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { parsePeriod } from '../../src/domain/earnings/period.ts';
import { refreshEarningsRollups } from '../../src/domain/earnings/rollupRefresh.ts';
import { earningsSummary } from '../../src/domain/earnings/summary.ts';
import { testDb } from '../support/env.ts';
import { inOneSnapshot, insertLines, randomLines, rawTotals, refreshUntil, rng, seedWorld } from './support.ts';

const db = testDb();
afterAll(() => db.destroy());

const DAY = 86_400_000;
const NOW = Date.now();

async function expectSameAsLedger(organisationId: number, influencers: number[]) {
  for (const word of ['all', '30d', 'ytd', 'yesterday'] as const) {
    const period = parsePeriod(word, 'Asia/Kolkata', new Date(NOW));
    const [s, fromLedger, raw] = await inOneSnapshot(
      db,
      async (snap) =>
        [
          await earningsSummary(snap, { organisationId }, period),
          await earningsSummary(snap, { organisationId }, period, 5, { rollups: false }),
          await rawTotals(snap, influencers, period.from, period.to),
        ] as const,
    );
    expect(s, word).toEqual(fromLedger);
    expect(
      s.totals.map(({ net: _net, ...t }) => t),
      word,
    ).toEqual(raw);
  }
}

describe('when the rollups are refreshed', () => {
  it('then a refresh while an ingest transaction is open stops below its ids, and the next one rolls them up once it commits', async () => {
    const r = rng(11);
    const w = await seedWorld(db, 2);
    const everyone = w.members.map((m) => m.id);
    await refreshUntil(db, Math.max(...(await insertLines(db, randomLines(r, w, 200, NOW - 90 * DAY, NOW), r))));

    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    try {
      await client.query('BEGIN');
      const m = w.members[0]!;
      const open = await client.query<{ id: string }>(
        `INSERT INTO ledger_entries (organisation_id, network, line_key, kind, report_type, tracking_id, influencer_id, marketplace, asin, product_name, occurred_at, quantity, amount_minor, currency)
         SELECT $5, 'amazon', 'open-' || g || '-' || $1, 'confirmed', 'earnings', $2, $3, 'US', $4, 'Product ' || $4, now() - g * interval '1 hour', 1, 1000 + g, 'USD'
           FROM generate_series(1, 50) g RETURNING id`,
        [`${process.pid}-${Date.now()}`, m.trackingId, m.id, w.asins[0], w.organisationId],
      );
      const openIds = open.rows.map((x) => Number(x.id));
      // Lines committed meanwhile, with higher ids than the open transaction's.
      const later = await insertLines(db, randomLines(r, w, 50, NOW - 10 * DAY, NOW), r);
      expect(Math.min(...later)).toBeGreaterThan(Math.max(...openIds));

      const during = await refreshEarningsRollups(db);
      expect(during.horizon).toBeLessThan(Math.min(...openIds));
      expect(during.waitingFor).toBeGreaterThanOrEqual(1);
      expect(during.pendingUpTo).toBeGreaterThanOrEqual(Math.max(...later));
      // Exact meanwhile: the committed lines above the horizon come from the ledger.
      await expectSameAsLedger(w.organisationId, everyone);

      await client.query('COMMIT');
      const after = await refreshUntil(db, Math.max(...later));
      expect(after.horizon).toBeGreaterThanOrEqual(Math.max(...later));
      await expectSameAsLedger(w.organisationId, everyone);
      const rolled = await sql<{
        n: string;
      }>`SELECT coalesce(sum(lines), 0) AS n FROM earnings_rollups WHERE grain = 'all' AND influencer_id = ${m.id}`.execute(db);
      const inLedger = await sql<{ n: string }>`SELECT count(*) AS n FROM ledger_entries WHERE influencer_id = ${m.id}`.execute(db);
      expect(Number(rolled.rows[0]!.n)).toBe(Number(inLedger.rows[0]!.n));
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
    }
  });

  it('then many refreshes while a transaction stays open keep a bounded list of noted values, and still catch up', async () => {
    const r = rng(14);
    const w = await seedWorld(db, 1);
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT nextval(pg_get_serial_sequence('ledger_entries', 'id'))`);
      let last = 0;
      for (let i = 0; i < 60; i++) {
        last = Math.max(...(await insertLines(db, randomLines(r, w, 2, NOW - DAY, NOW), r)));
        const during = await refreshEarningsRollups(db);
        expect(during.pendingUpTo).toBeGreaterThanOrEqual(last);
      }
      const noted = await db
        .selectFrom('earnings_rollup_candidates')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(noted.n)).toBeLessThanOrEqual(50);
      await client.query('COMMIT');
      await refreshUntil(db, last);
      await expectSameAsLedger(
        w.organisationId,
        w.members.map((m) => m.id),
      );
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
    }
  });

  it('then refreshes running at once, while lines keep arriving, count every line exactly once', async () => {
    const r = rng(12);
    const w = await seedWorld(db, 3);
    const everyone = w.members.map((m) => m.id);
    const writes = (async () => {
      const ids: number[] = [];
      for (let i = 0; i < 6; i++) ids.push(...(await insertLines(db, randomLines(r, w, 150, NOW - 400 * DAY, NOW + DAY), r)));
      return ids;
    })();
    const refreshes = Promise.all(Array.from({ length: 4 }, (_, i) => refreshEarningsRollups(db, { chunkIds: 97 + i * 50 })));
    const [ids] = await Promise.all([writes, refreshes]);
    await refreshUntil(db, Math.max(...ids));
    await expectSameAsLedger(w.organisationId, everyone);
    const rolled = await sql<{
      n: string;
    }>`SELECT coalesce(sum(lines), 0) AS n FROM earnings_rollups WHERE grain = 'all' AND influencer_id = ANY(${everyone}::bigint[])`.execute(db);
    const inLedger = await sql<{ n: string }>`SELECT count(*) AS n FROM ledger_entries WHERE influencer_id = ANY(${everyone}::bigint[])`.execute(db);
    expect(Number(rolled.rows[0]!.n)).toBe(Number(inLedger.rows[0]!.n));
  });

  it('then a line left unattributed by a registration during its ingest is attributed to the owner', async () => {
    const r = rng(13);
    const w = await seedWorld(db, 1);
    const owner = w.members[0]!;
    // As if the ingest had read tracking_ids before the registration committed and inserted after its UPDATE ran.
    const [raced] = await insertLines(db, [
      {
        ...randomLines(r, w, 1, NOW - DAY, NOW)[0]!,
        kind: 'confirmed',
        reportType: 'earnings',
        trackingId: owner.trackingId,
        influencerId: null,
        currency: 'USD',
        marketplace: 'US',
        amount: 4321,
        quantity: 1,
      },
    ]);
    await refreshUntil(db, raced!);
    const row = await db.selectFrom('ledger_entries').select('influencer_id').where('id', '=', raced!).executeTakeFirstOrThrow();
    expect(row.influencer_id).toBe(owner.id);
    await expectSameAsLedger(w.organisationId, [owner.id]);
  });
});
