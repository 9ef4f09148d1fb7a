// The manager's digest and the organisation's top products read through the rollups equal the same read from the
// ledger alone: per influencer windows, the chart's local days (across a DST change, and in +5:30, +5:45 and
// half-hour-DST zones), top products with the influencers who sold them, and unregistered tracking IDs seen lately,
// including lines ingested either side of the 30-day window's start within one rolled-up hour.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNATTRIBUTED_LOOKBACK_DAYS, buildDigest } from '../../src/domain/digest/digestReport.ts';
import { readLedger } from '../../src/domain/earnings/ledgerSums.ts';
import { parsePeriod } from '../../src/domain/earnings/period.ts';
import { topProducts } from '../../src/domain/earnings/productRanking.ts';
import { testDb, unique } from '../support/env.ts';
import { ZONES, insertLines, randomLines, rawTopProducts, refreshUntil, rng, seedWorld, type World } from './support.ts';

const db = testDb();
afterAll(() => db.destroy());

const DAY = 86_400_000;
const NOW = Date.now();
/** When the digest of the window-edge case is built: long enough ago that other test files' fresh lines are later. */
const EDGE_NOW = NOW - 100 * DAY;

describe('when a digest is built from the rollups', () => {
  let w: World;
  let stray: string;

  beforeAll(async () => {
    const r = rng(31);
    w = await seedWorld(db, 5);
    const ids = await insertLines(db, randomLines(r, w, 3000, NOW - 420 * DAY, NOW), r);
    // An unregistered tracking ID whose lines were ingested a millisecond either side of the window's start: one
    // rolled-up hour holds both, so that hour is read from the ledger.
    stray = `${unique('edge').toLowerCase()}-20`;
    const since = EDGE_NOW - UNATTRIBUTED_LOOKBACK_DAYS * DAY;
    const edge = await insertLines(
      db,
      [-1, 1].map((d) => ({
        ...randomLines(r, w, 1, NOW - 40 * DAY, NOW)[0]!,
        kind: 'confirmed' as const,
        reportType: 'earnings' as const,
        trackingId: stray,
        influencerId: null,
        currency: 'USD',
        marketplace: 'US',
        linkId: null,
        amount: 700 + d * 10,
        at: new Date(since + d),
      })),
    );
    for (const [i, id] of edge.entries())
      await sql`UPDATE ledger_entries SET created_at = ${new Date(since + (i === 0 ? -1 : 1))} WHERE id = ${id}`.execute(db);
    await refreshUntil(db, Math.max(...ids, ...edge), { denseLines: 600 });
  });

  it('then it equals the digest read from the ledger, in every zone and on days around DST changes', async () => {
    // Unregistered tracking IDs are shared by every organisation: other test files add fresh ones at any moment, so
    // they are compared only for digests of days long past (their lines are ingested now, after the window).
    const recent = (t: number) => t > NOW - 60 * DAY;
    const comparable = (d: Awaited<ReturnType<typeof buildDigest>>, t: number) => (recent(t) ? { ...d, unattributed: [] } : d);
    const nows = [NOW, NOW - 3 * DAY, Date.UTC(2026, 2, 9, 15), Date.UTC(2026, 10, 2, 12), NOW - 200 * DAY, NOW - 330 * DAY].filter((t) => t <= NOW);
    for (const now of nows) {
      for (const tz of ZONES) {
        const opts = { timezone: tz, now: new Date(now) };
        const a = await buildDigest(db, w.organisationId, opts);
        const b = await buildDigest(db, w.organisationId, { ...opts, rollups: false });
        expect(comparable(a, now), `${tz} ${new Date(now).toISOString()}`).toEqual(comparable(b, now));
      }
    }
  });

  it('then unregistered tracking IDs count the lines ingested inside the window only', async () => {
    const straddling = await db
      .selectFrom('earnings_unattributed_rollups')
      .select(['first_created', 'last_created'])
      .where('tracking_id', '=', stray)
      .execute();
    expect(straddling).toHaveLength(1);
    const a = await buildDigest(db, w.organisationId, { timezone: 'UTC', now: new Date(EDGE_NOW) });
    expect(a.unattributed.find((u) => u.trackingId === stray)).toMatchObject({ lines: 1, money: [{ currency: 'USD', confirmed: 710, pending: 0 }] });
    expect(a).toEqual(await buildDigest(db, w.organisationId, { timezone: 'UTC', now: new Date(EDGE_NOW), rollups: false }));
  });

  it('then top products read in order of amount from a few buckets equal the plain sum, when the bound holds and when it does not', async () => {
    const everyone = w.members.map((m) => m.id);
    for (const k of [1, 2, 3, 100]) {
      for (const word of ['all', 'ytd', '30d', 'mtd', '7d', 'yesterday'] as const) {
        const period = parsePeriod(word, ZONES[k % ZONES.length]!, new Date(NOW));
        const { top } = await readLedger(db, { organisationId: w.organisationId }, (s) => ({
          top: topProducts(s, { from: period.from, to: period.to }, 5, k),
        }));
        const got = [...top]
          .sort((x, y) => Number(x.rank) - Number(y.rank))
          .map((p) => ({ asin: p.asin, name: p.name, currency: p.currency, amount: Number(p.amount), items: Number(p.items) }));
        expect(got, `${word} k=${k}`).toEqual(await rawTopProducts(db, everyone, period.from, period.to));
      }
    }
  });
});
