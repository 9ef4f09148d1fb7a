// An organisation's most-clicked links over a short range equal the ranking counted from raw clicks, whatever the
// shape of its clicks: skewed (busy links outside the range included), tied everywhere (broken by code), or with many
// links busy earlier in the month and idle in the range, in every zone, with clicks above the horizon, and with the
// clicks of other ranges beside them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topClickedLinks } from '../../src/domain/clicks/linkRanking.ts';
import { parsePeriod } from '../../src/domain/earnings/period.ts';
import { addInfluencers, newOrganisation } from '../digest/seed.ts';
import { testDb } from '../support/env.ts';
import { privateDatabase } from '../support/privateDatabase.ts';
import { ensureDatabase, migrateToLatest } from '../../src/db/migrate.ts';
import { sql } from 'kysely';
import type { Db } from '../../src/db/database.ts';
import { seedLink } from '../support/fixtures.ts';
import { inOneSnapshot, rng, type Rng } from '../earnings/support.ts';
import { insertClicks, randomClicks, rawTopLinks, refreshClicksUntil, type ClickSpec } from './support.ts';

const db = testDb();
afterAll(() => db.destroy());

const DAY = 86_400_000;
const NOW = Date.now();
const ZONES = ['UTC', 'America/New_York', 'Asia/Kathmandu', 'Pacific/Chatham'] as const;

/** An organisation of three influencers with 20 links each (more links than the ranking counts exactly). */
async function seedOrganisation(on: Db = db): Promise<{ organisationId: number; influencers: number[]; links: number[] }> {
  const organisationId = await newOrganisation(on);
  const members = await addInfluencers(on, organisationId, 3);
  const links: number[] = [];
  for (const m of members) {
    links.push(m.linkId);
    for (let i = 1; i < 20; i++) links.push((await seedLink(on, m.id, { campaign: `r${i}` })).link.id);
  }
  return { organisationId, influencers: members.map((m) => m.id), links };
}

async function expectRawRanking(
  org: { organisationId: number; influencers: number[] },
  from: Date,
  to: Date,
  also: { from: Date; to: Date },
  what: string,
  opts: { candidates?: number; db?: Db } = {},
) {
  const [top, raw, rawAlso] = await inOneSnapshot(
    opts.db ?? db,
    async (snap) =>
      [
        await topClickedLinks(snap, { organisationId: org.organisationId }, { from, to }, 5, [also], { candidates: opts.candidates }),
        await rawTopLinks(snap, org.influencers, from, to, 1000),
        await rawTopLinks(snap, org.influencers, also.from, also.to, 1000),
      ] as const,
  );
  const alsoOf = new Map(rawAlso.map((l) => [l.linkId, l.clicks]));
  const ctx = `${what} ${from.toISOString()}..${to.toISOString()}${opts.candidates ? ` reading ${opts.candidates} a bucket` : ''}`;
  expect(
    top.map((l) => ({ linkId: l.linkId, code: l.code, clicks: l.clicks, also: l.also })),
    ctx,
  ).toEqual(raw.slice(0, 5).map((l) => ({ ...l, also: [alsoOf.get(l.linkId) ?? 0] })));
  return top;
}

const monthStart = (t: number) => Date.UTC(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth(), 1);

describe('when an organisation with many links asks for its most-clicked links', () => {
  let r: Rng;
  let skewed: Awaited<ReturnType<typeof seedOrganisation>>;
  let alike: Awaited<ReturnType<typeof seedOrganisation>>;
  let decoyed: Awaited<ReturnType<typeof seedOrganisation>>;
  // Ten days inside one month a while ago; the decoys' clicks are in that month, before the range.
  const month = monthStart(NOW - 40 * DAY);
  const decoyRange = { from: new Date(month + 5 * DAY), to: new Date(month + 15 * DAY) };

  beforeAll(async () => {
    r = rng(20261204);
    skewed = await seedOrganisation();
    alike = await seedOrganisation();
    decoyed = await seedOrganisation();
    // Skewed: a few links take most, over the last 80 days (so some busy links are busy outside a short range).
    const first = randomClicks(r, skewed.links, 5000, NOW - 80 * DAY, NOW);
    // Alike: every link two clicks a day for 40 days: every count ties.
    const even: ClickSpec[] = alike.links.flatMap((linkId) =>
      Array.from({ length: 80 }, (_, i) => ({ linkId, at: new Date(NOW - Math.floor(i / 2) * DAY - 3_600_000), kind: 'click' as const })),
    );
    // Decoyed: 45 links busy early in the month (the best bounds, none in the range), 5 links busy in the range, the
    // rest quiet in it: the best bounds settle nothing and every link must be ranked.
    const at = (t: number, n: number, linkId: number): ClickSpec[] =>
      Array.from({ length: n }, (_, i) => ({ linkId, at: new Date(t + i * 60_000), kind: 'click' }));
    const decoys = decoyed.links.flatMap((linkId, i) =>
      i < 45 ? at(month + DAY, 100, linkId) : i < 50 ? at(month + 6 * DAY, 50 + i, linkId) : at(month + 7 * DAY, 1, linkId),
    );
    const upTo = await insertClicks(db, [...first, ...even, ...decoys]);
    await refreshClicksUntil(db, upTo);
    // Above the horizon: read from clicks, in the bounds as in the counts.
    await insertClicks(db, randomClicks(r, skewed.links, 600, NOW - 20 * DAY, NOW));
  });

  it('then skewed clicks give the raw ranking for 30 days, month to date, 7 days and ranges between any two instants', async () => {
    for (const tz of ZONES) {
      for (const word of ['30d', 'mtd', '7d'] as const) {
        const p = parsePeriod(word, tz, new Date(NOW));
        const top = await expectRawRanking(skewed, p.from!, p.to!, { from: new Date(NOW - DAY), to: new Date(NOW) }, `skewed ${word} ${tz}`);
        expect(top.length, `${word} ${tz}`).toBe(5);
      }
    }
    for (let i = 0; i < 8; i++) {
      const a = NOW - r.next() * 70 * DAY;
      const b = a + r.next() * 25 * DAY;
      await expectRawRanking(
        skewed,
        new Date(Math.floor(a)),
        new Date(Math.floor(b)),
        { from: new Date(Math.floor(a - DAY)), to: new Date(Math.floor(a)) },
        'instants',
      );
    }
  });

  it('then links alike (ties everywhere) give the raw ranking too, ties broken by code', async () => {
    for (const tz of ZONES) {
      const p = parsePeriod('30d', tz, new Date(NOW));
      const top = await expectRawRanking(alike, p.from!, p.to!, { from: new Date(NOW - 7 * DAY), to: new Date(NOW) }, `alike 30d ${tz}`);
      expect(top).toHaveLength(5);
    }
  });

  it('then links busy elsewhere in the month do not hide the links busy in the range', async () => {
    const top = await expectRawRanking(decoyed, decoyRange.from, decoyRange.to, { from: new Date(month), to: decoyRange.from }, 'decoyed');
    expect(top.map((l) => l.clicks)).toEqual([99, 98, 97, 96, 95]);
    expect(top.map((l) => l.also)).toEqual([[0], [0], [0], [0], [0]]);
  });

  it('then reading only the top one, two or five links of each bucket still gives the raw ranking', async () => {
    // Few links read per bucket leave the bound high: the ranking must then look further or count every link.
    for (const candidates of [1, 2, 5]) {
      for (const tz of ZONES) {
        for (const word of ['30d', 'mtd', '7d'] as const) {
          const p = parsePeriod(word, tz, new Date(NOW));
          await expectRawRanking(skewed, p.from!, p.to!, { from: new Date(NOW - DAY), to: new Date(NOW) }, `skewed ${word} ${tz}`, { candidates });
        }
        const p = parsePeriod('30d', tz, new Date(NOW));
        await expectRawRanking(alike, p.from!, p.to!, { from: new Date(NOW - 7 * DAY), to: new Date(NOW) }, `alike 30d ${tz}`, { candidates });
      }
      await expectRawRanking(decoyed, decoyRange.from, decoyRange.to, { from: new Date(month), to: decoyRange.from }, 'decoyed', { candidates });
    }
  });
});

describe('when a link of an organisation has clicks only above the rollup horizon', () => {
  it('then it still takes its place in the ranking', async () => {
    const org = await seedOrganisation();
    const r = rng(20261203);
    const upTo = await insertClicks(db, randomClicks(r, org.links.slice(1), 3000, NOW - 20 * DAY, NOW - DAY));
    await refreshClicksUntil(db, upTo);
    // The newcomer's clicks arrive after the refresh: no rollup row of any bucket names it.
    const newcomer = org.links[0]!;
    await insertClicks(
      db,
      Array.from({ length: 400 }, (_, i) => ({ linkId: newcomer, at: new Date(NOW - 2 * DAY + i * 60_000), kind: 'click' as const })),
    );
    for (const candidates of [undefined, 1, 3]) {
      const p = parsePeriod('30d', 'UTC', new Date(NOW));
      const top = await expectRawRanking(org, p.from!, p.to!, { from: new Date(NOW - 2 * DAY), to: new Date(NOW) }, 'newcomer', { candidates });
      expect(top[0], `reading ${candidates ?? 'the default'} a bucket`).toMatchObject({ linkId: newcomer, clicks: 400, also: [400] });
    }
  });
});

describe('while click rollup rows are still being given their organisation (after an upgrade)', () => {
  const own = privateDatabase('ranking_fill');

  it('then an organisation’s ranking is counted over every link, and equals the raw ranking', async () => {
    await ensureDatabase(own.url);
    await migrateToLatest(own.db);
    const org = await seedOrganisation(own.db);
    const r = rng(20261205);
    const upTo = await insertClicks(own.db, randomClicks(r, org.links, 4000, NOW - 40 * DAY, NOW));
    await refreshClicksUntil(own.db, upTo);
    // As a database upgraded with clicks in it: rows written before the upgrade carry no organisation yet.
    await own.db
      .updateTable('click_rollups')
      .set({ organisation_id: sql<number>`NULL` })
      .where('link_id', 'is not', null)
      .where('grain', '=', 'month')
      .execute();
    await own.db.updateTable('click_organisation_fill').set({ done_at: null }).execute();
    for (const tz of ZONES) {
      const p = parsePeriod('30d', tz, new Date(NOW));
      const top = await expectRawRanking(org, p.from!, p.to!, { from: new Date(NOW - DAY), to: new Date(NOW) }, `mid-fill 30d ${tz}`, { db: own.db });
      expect(top).toHaveLength(5);
    }
  });
});
