// Monthly click partitions rotating under a fake clock, in a database of this file's own (dropping partitions would
// take other files' clicks): months are created ahead, a click for a month without a partition is still recorded,
// only months wholly past the retention are dropped (never one with clicks not yet rolled up), and the counts of
// dropped months are still answered, from the rollups.
import type { Job } from 'bullmq';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { clickPartitionsProcessor } from '../../jobs/clickPartitions/processor.ts';
import { createDb } from '../../src/db/database.ts';
import { ensureDatabase, migrateToLatest } from '../../src/db/migrate.ts';
import { clickPartitions, monthStart, partitionName } from '../../src/domain/clicks/clickPartitions.ts';
import { clickTotals } from '../../src/domain/clicks/clickCounts.ts';
import { zonedTime } from '../../src/domain/time.ts';
import { addInfluencers, newOrganisation } from '../digest/seed.ts';
import { unique } from '../support/env.ts';
import { insertClicks, refreshClicksUntil, type ClickSpec } from './support.ts';

const url = new URL(inject('databaseUrl'));
url.pathname = `/${unique('clkp').toLowerCase()}`;
const db = createDb(url.toString(), 3);

afterAll(async () => {
  await db.destroy();
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const server = createDb(admin.toString(), 1);
  await sql`DROP DATABASE IF EXISTS ${sql.id(url.pathname.slice(1))} WITH (FORCE)`.execute(server);
  await server.destroy();
});

const DAY = 86_400_000;
const RETENTION_DAYS = 400;
const T0 = new Date();
const job = { id: 'test' } as unknown as Job<Record<string, never>>;
const rotate = (now: Date) => clickPartitionsProcessor({ db, retentionDays: RETENTION_DAYS, now: () => now })(job);
const names = async () => (await clickPartitions(db)).map((p) => p.name);
const rawCount = async (from: Date, to: Date) => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM clicks WHERE clicked_at >= ${from} AND clicked_at < ${to}`.execute(db)).rows[0]!.n);
/** Months (offsets from T0's) whose partition ends at or before the clock minus the retention. */
const expiredAt = (now: Date, offsets: number[]) => offsets.filter((k) => monthStart(T0, k + 1).getTime() <= now.getTime() - RETENTION_DAYS * DAY);

describe('when click partitions rotate under a fake clock', () => {
  let influencerId: number;
  let linkId: number;
  const clicks: ClickSpec[] = [];
  const months = Array.from({ length: 17 }, (_, i) => i - 16); // 16 months back to this one
  const inRange = (from: Date, to: Date) => clicks.filter((c) => c.at >= from && c.at < to).length;

  beforeAll(async () => {
    await ensureDatabase(url.toString());
    await migrateToLatest(db);
    const [m] = await addInfluencers(db, await newOrganisation(db), 1);
    influencerId = m!.id;
    linkId = m!.linkId;
    // Each month: its first and last minute, and a few clicks around its middle (the day count varies per month).
    for (const k of months) {
      const from = monthStart(T0, k).getTime();
      const to = monthStart(T0, k + 1).getTime();
      clicks.push({ linkId, at: new Date(from), kind: 'click' }, { linkId, at: new Date(to - 60_000), kind: 'click' });
      for (let i = 0; i < 3 + (k & 3); i++) clicks.push({ linkId, at: new Date(from + 14 * DAY + i * 3_600_000 + 45 * 60_000), kind: i % 2 ? 'click' : 'repeat' });
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
    expect(all.click + all.repeat).toBe(clicks.length);
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
