// Click figures read from the rollups equal the same counts taken straight from clicks: for many periods and time
// zones (Kathmandu's +5:45 and Chatham's +12:45 included), for an influencer and an organisation, in /earnings, the
// digest and link lists, with clicks above the horizon, and while clicks are written during refreshes. Clicks stay
// within the retention (400 days): a partition job of another file's app may run meanwhile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickKindCounts, linkClicks } from '../../src/domain/clicks/clickCounts.ts';
import { topClickedLinks } from '../../src/domain/clicks/linkRanking.ts';
import { refreshClickRollups } from '../../src/domain/clicks/clickRollupRefresh.ts';
import { buildDigest } from '../../src/domain/digest/digestReport.ts';
import { PERIOD_WORDS, parsePeriod, type Period } from '../../src/domain/earnings/period.ts';
import { earningsSummary } from '../../src/domain/earnings/summary.ts';
import { listLinksOfInfluencer } from '../../src/domain/links/linkList.ts';
import { addInfluencers, newOrganisation, type Member } from '../digest/seed.ts';
import { testDb } from '../support/env.ts';
import { seedLink } from '../support/fixtures.ts';
import { inOneSnapshot, rng, type Rng } from '../earnings/support.ts';
import { insertClicks, randomClicks, rawKindCounts, rawTopLinks, refreshClicksUntil } from './support.ts';

const db = testDb();
afterAll(() => db.destroy());

const ZONES = ['UTC', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Pacific/Chatham'] as const;
const DAY = 86_400_000;
const NOW = Date.now();

function randomPeriod(r: Rng, tz: string): Period {
  const now = new Date(NOW - r.next() * 420 * DAY + r.next() * DAY);
  const word = r.pick([...PERIOD_WORDS, 'range', 'range']);
  if (word !== 'range') return parsePeriod(word, tz, now);
  const a = new Date(now.getTime() - r.int(0, 450) * DAY).toISOString().slice(0, 10);
  const b = new Date(new Date(a).getTime() + r.int(0, 120) * DAY).toISOString().slice(0, 10);
  return parsePeriod(`${a}..${b}`, tz, now);
}

interface World {
  organisationId: number;
  members: Member[];
  links: number[];
  linksOf: Map<number, number[]>;
}

async function seedWorld(): Promise<World> {
  const organisationId = await newOrganisation(db);
  const members = await addInfluencers(db, organisationId, 4);
  const linksOf = new Map<number, number[]>();
  for (const m of members) {
    const more = [];
    for (let i = 0; i < 4; i++) more.push((await seedLink(db, m.id, { campaign: `c${i}` })).link.id);
    linksOf.set(m.id, [m.linkId, ...more]);
  }
  // Interleaved, so the skew gives every influencer a busy link and a quiet one.
  const links = [0, 1, 2, 3, 4].flatMap((i) => members.map((m) => linksOf.get(m.id)![i]!));
  return { organisationId, members, links, linksOf };
}

/** Kind counts, top links and (for an influencer) link lists equal the raw counts, in one snapshot. */
async function expectExact(w: World, scope: { influencerId: number } | { organisationId: number }, from: Date | null, to: Date | null, what: string) {
  const influencers = 'influencerId' in scope ? [scope.influencerId] : w.members.map((m) => m.id);
  const [kinds, top, perLink, rawKinds, rawTop] = await inOneSnapshot(
    db,
    async (snap) =>
      [
        await clickKindCounts(snap, scope, [{ from, to }]),
        await topClickedLinks(snap, scope, { from, to }, 5),
        await linkClicks(snap, scope, { from, to }),
        await rawKindCounts(snap, influencers, from, to),
        await rawTopLinks(snap, influencers, from, to, 1000),
      ] as const,
  );
  const ctx = `${what} ${from?.toISOString()}..${to?.toISOString()}`;
  expect(
    kinds.map(({ seg: _seg, ...k }) => k).sort((a, b) => a.influencerId - b.influencerId),
    ctx,
  ).toEqual(rawKinds);
  expect(
    top.map((l) => ({ linkId: l.linkId, code: l.code, clicks: l.clicks })),
    ctx,
  ).toEqual(rawTop.slice(0, 5));
  expect(Object.fromEntries(perLink), ctx).toEqual(Object.fromEntries(rawTop.map((l) => [l.linkId, l.clicks])));
}

describe('when click figures are read from the rollups', () => {
  let w: World;
  let r: Rng;

  beforeAll(async () => {
    r = rng(20261203);
    w = await seedWorld();
    const upTo = await insertClicks(db, randomClicks(r, w.links, 6000, NOW - 390 * DAY, NOW + DAY));
    const done = await refreshClicksUntil(db, upTo);
    expect(done.horizon).toBeGreaterThanOrEqual(upTo);
    // Some clicks above the horizon too: readers add them from clicks.
    await insertClicks(db, randomClicks(r, w.links, 400, NOW - 40 * DAY, NOW + DAY));
  });

  it('then every period, zone and scope gives the raw counts, and the most-clicked links in the same order', async () => {
    for (let i = 0; i < 40; i++) {
      const tz = r.pick(ZONES);
      const p = randomPeriod(r, tz);
      const m = r.pick(w.members);
      await expectExact(w, { influencerId: m.id }, p.from, p.to, `influencer ${p.label} ${tz}`);
      if (i % 3 === 0) await expectExact(w, { organisationId: w.organisationId }, p.from, p.to, `organisation ${p.label} ${tz}`);
    }
  });

  it('then ranges that start or end at any instant, not only at a local midnight, are exact too', async () => {
    for (let i = 0; i < 15; i++) {
      const a = NOW - r.next() * 400 * DAY;
      const b = a + r.next() * 40 * DAY;
      await expectExact(w, { organisationId: w.organisationId }, new Date(Math.floor(a)), new Date(Math.floor(b)), 'instants');
    }
  });

  it('then /earnings shows the raw click counts and most-clicked links', async () => {
    const m = w.members[0]!;
    for (const tz of ZONES) {
      const p = parsePeriod(r.pick(['30d', 'ytd', 'all', 'mtd'] as const), tz, new Date(NOW));
      const [summary, raw, top] = await inOneSnapshot(
        db,
        async (snap) =>
          [
            await earningsSummary(snap, { influencerId: m.id }, p, 3),
            await rawKindCounts(snap, [m.id], p.from, p.to),
            await rawTopLinks(snap, [m.id], p.from, p.to, 3),
          ] as const,
      );
      const { influencerId: _id, ...kinds } = raw[0] ?? { influencerId: 0, click: 0, repeat: 0, preview: 0, bot: 0 };
      expect(summary.clicks, `${p.label} ${tz}`).toEqual(kinds);
      expect(
        summary.topLinks.map((l) => [l.code, l.clicks]),
        `${p.label} ${tz}`,
      ).toEqual(top.map((l) => [l.code, l.clicks]));
    }
  });

  it('then the digest (windows, warnings, the 30-day chart, top links) is the one counted from raw clicks', async () => {
    for (const tz of ZONES) {
      const now = new Date(NOW - r.int(0, 300) * DAY);
      const [fromRollups, fromRaw] = await inOneSnapshot(
        db,
        async (snap) =>
          [
            await buildDigest(snap, w.organisationId, { timezone: tz, now }),
            await buildDigest(snap, w.organisationId, { timezone: tz, now, rollups: false }),
          ] as const,
      );
      expect(fromRollups, `${tz} ${now.toISOString()}`).toEqual(fromRaw);
      expect(
        fromRollups.series.days.some((d) => d.clicks > 0),
        tz,
      ).toBe(true);
    }
  });

  it('then an influencer’s link list shows each link’s all-time unique clicks', async () => {
    const m = w.members[1]!;
    const [list, raw] = await inOneSnapshot(
      db,
      async (snap) => [await listLinksOfInfluencer(snap, m.id), await rawTopLinks(snap, [m.id], null, null, 1000)] as const,
    );
    const rawBy = new Map(raw.map((l) => [l.linkId, l.clicks]));
    expect(list.map((l) => [l.id, l.clicks])).toEqual(list.map((l) => [l.id, rawBy.get(l.id) ?? 0]));
    expect(list.some((l) => l.clicks > 0)).toBe(true);
  });
});

describe('when clicks are written while the rollups refresh', () => {
  it('then a refresh never passes a batch still being written, and figures stay exact throughout', async () => {
    const r = rng(424242);
    const w = await seedWorld();
    const org = { organisationId: w.organisationId };
    let last = 0;
    for (let i = 0; i < 8; i++) {
      // A batch whose transaction is open while a refresh runs and other batches commit.
      await db.transaction().execute(async (trx) => {
        const held = await insertClicks(trx, randomClicks(r, w.links, 150, NOW - 60 * DAY, NOW));
        const [refreshed, committed] = await Promise.all([refreshClickRollups(db), insertClicks(db, randomClicks(r, w.links, 150, NOW - 60 * DAY, NOW))]);
        expect(refreshed.horizon).toBeLessThan(held);
        last = Math.max(last, held, committed);
        const tz = r.pick(ZONES);
        const p = parsePeriod(r.pick(['30d', '7d', 'mtd', 'all'] as const), tz, new Date(NOW));
        await expectExact(w, org, p.from, p.to, `during batch ${i} ${p.label} ${tz}`);
      });
      await refreshClickRollups(db);
      await expectExact(w, { influencerId: r.pick(w.members).id }, new Date(NOW - 45 * DAY), new Date(NOW), `after batch ${i}`);
    }
    const done = await refreshClicksUntil(db, last);
    expect(done.horizon).toBeGreaterThanOrEqual(last);
    for (const tz of ZONES) {
      const p = parsePeriod('30d', tz, new Date(NOW));
      await expectExact(w, org, p.from, p.to, `settled ${tz}`);
    }
  });
});
