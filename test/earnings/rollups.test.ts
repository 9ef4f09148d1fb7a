// Earnings read from the rollups equal the same figures summed straight from the ledger: for many periods, time zones,
// influencers and the organisation; after a tracking ID is registered late; for lines that arrive after a refresh;
// for influencers with many lines (product rows over all history) and few (recent months only).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EarningsScope } from '../../src/domain/common/scope.ts';
import { PERIOD_WORDS, parsePeriod, type Period } from '../../src/domain/earnings/period.ts';
import { earningsSummary } from '../../src/domain/earnings/summary.ts';
import { addTrackingId } from '../../src/domain/organisations/influencers.ts';
import { testDb } from '../support/env.ts';
import { ZONES, inOneSnapshot, insertLines, randomLines, rawTopProducts, rawTotals, refreshUntil, rng, seedWorld, type Rng, type World } from './support.ts';

const db = testDb();
afterAll(() => db.destroy());

const DAY = 86_400_000;
const NOW = Date.now();

function randomPeriod(r: Rng, tz: string): Period {
  // "now" anywhere from 400 days ago to a day ahead, so periods land on old and recent buckets alike.
  const now = new Date(NOW - r.next() * 400 * DAY + r.next() * DAY);
  const word = r.pick([...PERIOD_WORDS, 'range', 'range']);
  if (word !== 'range') return parsePeriod(word, tz, now);
  const a = new Date(now.getTime() - r.int(0, 500) * DAY).toISOString().slice(0, 10);
  const b = new Date(new Date(a).getTime() + r.int(0, 120) * DAY).toISOString().slice(0, 10);
  return parsePeriod(`${a}..${b}`, tz, now);
}

async function expectSame(scope: EarningsScope, influencers: number[], period: Period, what: string) {
  const [fromRollups, fromLedger, totals, products] = await inOneSnapshot(
    db,
    async (snap) =>
      [
        await earningsSummary(snap, scope, period, 5),
        await earningsSummary(snap, scope, period, 5, { rollups: false }),
        await rawTotals(snap, influencers, period.from, period.to),
        await rawTopProducts(snap, influencers, period.from, period.to, 5, 'catalogue'),
      ] as const,
  );
  const ctx = `${what} ${period.label} ${period.timezone} ${period.from?.toISOString()}..${period.to?.toISOString()}`;
  expect(fromRollups, ctx).toEqual(fromLedger);
  expect(
    fromRollups.totals.map(({ net: _net, ...t }) => t),
    ctx,
  ).toEqual(totals);
  expect(fromRollups.topProducts, ctx).toEqual(products);
}

describe('when earnings are read from the rollups', () => {
  let w: World;
  let r: Rng;
  let everyone: number[];

  beforeAll(async () => {
    r = rng(20261125);
    w = await seedWorld(db, 4);
    everyone = w.members.map((m) => m.id);
    const ids = await insertLines(db, randomLines(r, w, 2500, NOW - 520 * DAY, NOW + DAY), r);
    // Few enough lines for some influencers to stay below the dense threshold, many for the first one.
    await refreshUntil(db, Math.max(...ids), { denseLines: 800 });
  });

  it('then every period, zone and scope gives the ledger’s figures to the cent', async () => {
    for (let i = 0; i < 60; i++) {
      const tz = r.pick(ZONES);
      const period = randomPeriod(r, tz);
      const m = r.pick(w.members);
      await expectSame({ influencerId: m.id }, [m.id], period, `influencer ${m.handle}`);
      if (i % 3 === 0) await expectSame({ organisationId: w.organisationId }, everyone, period, 'organisation');
    }
  });

  it('then a tracking ID registered after its lines were rolled up brings them to its owner at once, and after the next refresh', async () => {
    const owner = w.members[1]!;
    const period = parsePeriod('all', 'UTC', new Date(NOW));
    const before = await rawTotals(db, [owner.id], null, null);
    await addTrackingId(db, owner.id, w.stray, 'US');
    w.strayOwner = owner.id;
    const after = await rawTotals(db, [owner.id], null, null);
    expect(after).not.toEqual(before);
    await expectSame({ influencerId: owner.id }, [owner.id], period, 'late attribution, not refreshed');
    await expectSame({ organisationId: w.organisationId }, everyone, parsePeriod('30d', 'Asia/Kolkata', new Date(NOW)), 'late attribution, organisation');
    const more = await insertLines(db, randomLines(r, w, 200, NOW - 60 * DAY, NOW), r);
    await refreshUntil(db, Math.max(...more), { denseLines: 800 });
    for (const word of ['all', 'ytd', '30d', '7d'] as const) {
      await expectSame({ influencerId: owner.id }, [owner.id], parsePeriod(word, 'America/New_York', new Date(NOW)), 'late attribution, refreshed');
      await expectSame(
        { organisationId: w.organisationId },
        everyone,
        parsePeriod(word, 'Pacific/Chatham', new Date(NOW)),
        'late attribution, organisation refreshed',
      );
    }
  });

  it('then lines that arrive after a refresh count at once, from the ledger', async () => {
    await insertLines(db, randomLines(r, w, 300, NOW - 400 * DAY, NOW + DAY), r);
    for (let i = 0; i < 20; i++) {
      const period = randomPeriod(r, r.pick(ZONES));
      await expectSame({ organisationId: w.organisationId }, everyone, period, 'tail, organisation');
      const m = r.pick(w.members);
      await expectSame({ influencerId: m.id }, [m.id], period, 'tail, influencer');
    }
  });

  it('then an influencer who becomes dense later, with a tracking ID registered late, keeps exact figures for all history', async () => {
    const small = w.members[3]!;
    // Lines of a tracking ID nobody owns yet are rolled up; then it is registered to the influencer.
    const stray = `${w.stray.replace(/-20$/, '')}x-20`;
    const strayLines = randomLines(r, w, 300, NOW - 450 * DAY, NOW).map((l) => ({
      ...l,
      trackingId: stray,
      influencerId: null,
      currency: 'USD',
      marketplace: 'US',
      linkId: null,
      asin: l.asin ? w.asins[r.int(0, 5)]! : null,
    }));
    await refreshUntil(db, Math.max(...(await insertLines(db, strayLines))), { denseLines: 800 });
    expect(await db.selectFrom('earnings_dense_influencers').select('influencer_id').where('influencer_id', '=', small.id).executeTakeFirst()).toBeUndefined();
    await addTrackingId(db, small.id, stray, 'US');
    const ids = await insertLines(db, randomLines(r, { ...w, members: [small], stray: w.stray }, 1500, NOW - 500 * DAY, NOW), r);
    await refreshUntil(db, Math.max(...ids), { denseLines: 800 });
    const dense = await db.selectFrom('earnings_dense_influencers').select('influencer_id').where('influencer_id', 'in', everyone).execute();
    expect(dense.map((d) => d.influencer_id)).toContain(small.id);
    for (let i = 0; i < 15; i++) await expectSame({ influencerId: small.id }, [small.id], randomPeriod(r, r.pick(ZONES)), 'promoted');
  });
});
