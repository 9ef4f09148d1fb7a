// Monthly click partitions rotating under a fake clock, in a database of this file's own (dropping partitions would
// take other files' clicks): months are created ahead, a click for a month without a partition is still recorded,
// only months wholly past the retention are dropped (never one with clicks not yet rolled up), and the counts of
// dropped months are still answered, from the rollups: for an influencer and for its organisation, for local days
// in Kathmandu (+5:45) and Kolkata (+5:30) that split a UTC hour.
import type { Job } from 'bullmq';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { clickPartitionsProcessor } from '../../jobs/clickPartitions/processor.ts';
import { ensureDatabase, migrateToLatest } from '../../src/db/migrate.ts';
import { clickPartitions, monthStart, partitionName } from '../../src/domain/clicks/clickPartitions.ts';
import { clickKindCounts, clickTotals } from '../../src/domain/clicks/clickCounts.ts';
import { addDays, zonedTime } from '../../src/domain/common/time.ts';
import { addInfluencers, newOrganisation } from '../digest/seed.ts';
import { privateDatabase } from '../support/privateDatabase.ts';
import { insertClicks, refreshClicksUntil, type ClickSpec } from './support.ts';

const { url, db } = privateDatabase('clkp', 3);

const DAY = 86_400_000;
const RETENTION_DAYS = 400;
const T0 = new Date();
const job = { id: 'test' } as unknown as Job<Record<string, never>>;
const rotate = (now: Date) => clickPartitionsProcessor({ db, retentionDays: RETENTION_DAYS, now: () => now })(job);
const names = async () => (await clickPartitions(db)).map((p) => p.name);
const rawCount = async (from: Date, to: Date) =>
  Number((await sql<{ n: string }>`SELECT count(*) AS n FROM clicks WHERE clicked_at >= ${from} AND clicked_at < ${to}`.execute(db)).rows[0]!.n);
/** Months (offsets from T0's) whose partition ends at or before the clock minus the retention. */
const expiredAt = (now: Date, offsets: number[]) => offsets.filter((k) => monthStart(T0, k + 1).getTime() <= now.getTime() - RETENTION_DAYS * DAY);

describe('when click partitions rotate under a fake clock', () => {
  let influencerId: number;
  let linkId: number;
  let organisationId: number;
  let otherId: number;
  let otherLink: number;
  const clicks: ClickSpec[] = [];
  const months = Array.from({ length: 17 }, (_, i) => i - 16); // 16 months back to this one
  /** Clicks and repeats on `links` (the first influencer's link unless told) in [from, to). */
  const inRange = (from: Date, to: Date, links = [linkId]) =>
    clicks.filter((c) => links.includes(c.linkId) && c.at >= from && c.at < to && (c.kind === 'click' || c.kind === 'repeat')).length;
  /** The 16th day of month k (UTC) and the minutes after 18:00 UTC of the 15th of the second influencer's clicks. */
  const day16 = (k: number) => new Date(monthStart(T0, k).getTime() + 15 * DAY).toISOString().slice(0, 10);

  beforeAll(async () => {
    await ensureDatabase(url);
    await migrateToLatest(db);
    organisationId = await newOrganisation(db);
    const [m, other] = await addInfluencers(db, organisationId, 2);
    influencerId = m!.id;
    linkId = m!.linkId;
    otherId = other!.id;
    otherLink = other!.linkId;
    // Each month: its first and last minute, and a few clicks around its middle (the day count varies per month).
    for (const k of months) {
      const from = monthStart(T0, k).getTime();
      const to = monthStart(T0, k + 1).getTime();
      clicks.push({ linkId, at: new Date(from), kind: 'click' }, { linkId, at: new Date(to - 60_000), kind: 'click' });
      for (let i = 0; i < 3 + (k & 3); i++)
        clicks.push({ linkId, at: new Date(from + 14 * DAY + i * 3_600_000 + 45 * 60_000), kind: i % 2 ? 'click' : 'repeat' });
    }
    // The second influencer: clicks either side of Kathmandu's midnight (18:15 UTC) and Kolkata's (18:30), inside one
    // UTC hour, on the 15th and 16th of each month, plus previews and bots (counted by kind, not in inRange).
    for (const k of months) {
      const at = (day: number, minute: number) => new Date(monthStart(T0, k).getTime() + day * DAY + 18 * 3_600_000 + minute * 60_000);
      for (const [day, minute, kind] of [
        [14, 5, 'click'],
        [14, 10, 'repeat'],
        [14, 20, 'click'],
        [14, 25, 'click'],
        [14, 40, 'repeat'],
        [14, 50, 'preview'],
        [15, 14, 'click'],
        [15, 16, 'bot'],
        [15, 29, 'click'],
        [15, 31, 'click'],
      ] as const) {
        clicks.push({ linkId: otherLink, at: at(day, minute), kind });
      }
    }
    // A click far beyond the partitions created ahead still lands somewhere.
    clicks.push({ linkId, at: new Date(monthStart(T0, 8).getTime() + DAY), kind: 'click' });
    await refreshClicksUntil(db, await insertClicks(db, clicks));
  });

  it('then the current month and the next two exist, with a default partition, and no click was refused', async () => {
    const have = await names();
    for (const k of [0, 1, 2]) expect(have).toContain(partitionName(monthStart(T0, k)));
    expect(await rawCount(new Date(0), new Date(8.64e15))).toBe(clicks.length);
  });

  it('then a rotation files stray months into partitions of their own and drops only months wholly past the retention', async () => {
    const r = await rotate(T0);
    expect(r.heldBack).toEqual([]);
    expect(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM clicks_default`.execute(db)).rows[0]!.n)).toBe(0);
    const expired = expiredAt(T0, months);
    expect(expired.length).toBeGreaterThan(0);
    expect(r.dropped.sort()).toEqual(expired.map((k) => partitionName(monthStart(T0, k))).sort());
    const have = await names();
    for (const k of months.filter((k) => !expired.includes(k))) expect(have).toContain(partitionName(monthStart(T0, k)));
    expect(have).toContain(partitionName(monthStart(T0, 8)));
    // The month holding the retention cutoff is kept whole: its first minute is older than the cutoff, and still there.
    const cutoffMonth = monthStart(new Date(T0.getTime() - RETENTION_DAYS * DAY));
    expect(await rawCount(cutoffMonth, new Date(cutoffMonth.getTime() + 60_000))).toBe(1);
    for (const k of expired) expect(await rawCount(monthStart(T0, k), monthStart(T0, k + 1))).toBe(0);
  });

  it('then, every row having its organisation, the job makes it required on clicks, their partitions and rollups', async () => {
    const required = await sql<{ table: string }>`
      SELECT c.relname AS table FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       WHERE a.attname = 'organisation_id' AND a.attnotnull AND (c.relname LIKE 'clicks%' OR c.relname = 'click_rollups')`.execute(db);
    expect(required.rows.map((r) => r.table)).toEqual(expect.arrayContaining(['clicks', 'clicks_default', partitionName(monthStart(T0, 2)), 'click_rollups']));
  });

  it('then three months later the coming months exist and the newly expired ones are gone, their clicks still counted from the rollups', async () => {
    const later = new Date(T0.getTime() + 92 * DAY);
    const r = await rotate(later);
    const have = await names();
    for (const k of [0, 1, 2]) expect(have).toContain(partitionName(monthStart(later, k)));
    const expired = expiredAt(later, months);
    expect(expired.length).toBeGreaterThan(expiredAt(T0, months).length);
    for (const k of expired) expect(have).not.toContain(partitionName(monthStart(T0, k)));
    expect(r.dropped.length).toBe(expired.length - expiredAt(T0, months).length);

    for (const k of expired) {
      const from = monthStart(T0, k);
      const to = monthStart(T0, k + 1);
      const utc = await clickTotals(db, { influencerId }, { from, to });
      expect(utc.click + utc.repeat, from.toISOString()).toBe(inRange(from, to));
      // A local month in Nepal (+5:45) starts 18:15 UTC the day before: split inside an hour, still exact.
      const day = from.toISOString().slice(0, 10);
      const next = to.toISOString().slice(0, 10);
      const [lo, hi] = [zonedTime(day, 'Asia/Kathmandu'), zonedTime(next, 'Asia/Kathmandu')];
      const local = await clickTotals(db, { influencerId }, { from: lo, to: hi });
      expect(local.click + local.repeat, `Kathmandu ${day}`).toBe(inRange(lo, hi));
    }
    const all = await clickTotals(db, { influencerId }, { from: null, to: null });
    expect(all.click + all.repeat).toBe(inRange(new Date(-8.64e15), new Date(8.64e15)));
  });

  it('then an organisation’s local days and months in Kathmandu (+5:45) and Kolkata (+5:30) of dropped months are exact, as a whole and per influencer', async () => {
    const later = new Date(T0.getTime() + 92 * DAY);
    const expired = expiredAt(later, months);
    expect(expired.length).toBeGreaterThan(0);
    const both = [linkId, otherLink];
    for (const k of expired) {
      expect(await rawCount(monthStart(T0, k), monthStart(T0, k + 1))).toBe(0);
      for (const tz of ['Asia/Kathmandu', 'Asia/Kolkata']) {
        const day = day16(k);
        const ranges = [
          [zonedTime(day, tz), zonedTime(addDays(day, 1), tz)],
          [
            zonedTime(`${day.slice(0, 8)}01`, tz),
            zonedTime(
              monthStart(T0, k + 1)
                .toISOString()
                .slice(0, 10),
              tz,
            ),
          ],
        ] as const;
        for (const [lo, hi] of ranges) {
          const ctx = `${tz} ${lo.toISOString()}..${hi.toISOString()}`;
          const org = await clickTotals(db, { organisationId }, { from: lo, to: hi });
          expect(org.click + org.repeat, ctx).toBe(inRange(lo, hi, both));
          expect(org.preview + org.bot, ctx).toBe(clicks.filter((c) => c.at >= lo && c.at < hi && (c.kind === 'preview' || c.kind === 'bot')).length);
          const per = await clickKindCounts(db, { organisationId }, [{ from: lo, to: hi }]);
          const of = (id: number) => per.filter((p) => p.influencerId === id).reduce((a, p) => a + p.click + p.repeat, 0);
          expect([of(influencerId), of(otherId)], ctx).toEqual([inRange(lo, hi, [linkId]), inRange(lo, hi, [otherLink])]);
        }
        // The local day splits the second influencer's 18:00 UTC hours: some of its clicks fall either side.
        const [lo, hi] = ranges[0];
        expect(inRange(lo, hi, [otherLink]), `${tz} ${day}`).toBeGreaterThan(0);
        expect(inRange(lo, hi, [otherLink]), `${tz} ${day}`).toBeLessThan(inRange(new Date(lo.getTime() - DAY), new Date(hi.getTime() + DAY), [otherLink]));
      }
    }
  });

  it('then an expired month with clicks not yet rolled up is kept until they are, and counted after', async () => {
    const later = new Date(T0.getTime() + 92 * DAY);
    const k = expiredAt(later, months)[0]!;
    const late: ClickSpec = { linkId, at: new Date(monthStart(T0, k).getTime() + 3 * DAY), kind: 'click' };
    const id = await insertClicks(db, [late]);
    clicks.push(late);
    const held = await rotate(later);
    expect(held.heldBack).toEqual([partitionName(monthStart(T0, k))]);
    expect(await rawCount(monthStart(T0, k), monthStart(T0, k + 1))).toBe(1);

    await refreshClicksUntil(db, id);
    const r = await rotate(later);
    expect(r.dropped).toEqual([partitionName(monthStart(T0, k))]);
    const t = await clickTotals(db, { influencerId }, { from: monthStart(T0, k), to: monthStart(T0, k + 1) });
    expect(t.click + t.repeat).toBe(inRange(monthStart(T0, k), monthStart(T0, k + 1)));
  });
});
