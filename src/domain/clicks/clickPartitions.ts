// The monthly partitions of clicks (UTC months of clicked_at, named clicks_pYYYY_MM): created ahead of time, and
// dropped whole once every click in them is older than the retention. Counts never go with them: the click rollups
// hold every figure, and a partition that still has clicks above the rollup horizon is kept until they are rolled up.
// A dropped month keeps influencer and link hour rows for good (built from its clicks just before), since readers
// take the sub-day part of an old month's day from the raw clicks only while they exist (see clickRollupRefresh.ts).
// clicks_default catches a click for a month with no partition (so an insert never fails); when that month's
// partition is created, its clicks move there.
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import { keepHoursOf } from './clickRollupRefresh.ts';

/** Months created ahead of the current one. */
export const MONTHS_AHEAD = 2;

const PARTITION = /^clicks_p(\d{4})_(\d{2})$/;

export const monthStart = (t: Date, plusMonths = 0) => new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + plusMonths, 1));
export const partitionName = (month: Date) => `clicks_p${month.toISOString().slice(0, 7).replace('-', '_')}`;

export interface ClickPartition {
  name: string;
  from: Date;
  to: Date;
}

/** The monthly partitions that exist, oldest first (the default partition is not one of them). */
export async function clickPartitions(db: Db): Promise<ClickPartition[]> {
  const rows = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'clicks'::regclass ORDER BY 1`.execute(db);
  return rows.rows.flatMap((r) => {
    const m = PARTITION.exec(r.name);
    if (!m) return [];
    const from = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
    return [{ name: r.name, from, to: monthStart(from, 1) }];
  });
}

/**
 * Creates the missing partitions of the current month and the next `ahead` ones, and of any month with clicks in the
 * default partition (they move to it, and can then expire like any other); returns those created.
 */
export async function createClickPartitions(db: Db, now: Date, ahead = MONTHS_AHEAD): Promise<string[]> {
  const have = new Set((await clickPartitions(db)).map((p) => p.name));
  const stray = await sql<{ m: Date }>`SELECT DISTINCT date_trunc('month', clicked_at, 'UTC') AS m FROM clicks_default`.execute(db);
  const months = [...Array.from({ length: ahead + 1 }, (_, i) => monthStart(now, i)), ...stray.rows.map((r) => monthStart(new Date(r.m)))];
  const created: string[] = [];
  for (const from of months) {
    const name = partitionName(from);
    if (have.has(name)) continue;
    await db.transaction().execute(async (trx) => {
      const to = monthStart(from, 1);
      // Clicks routed to the default partition wait while its clicks of this month move: none may slip in before the
      // partition is attached (the attach would fail). Built apart and attached, so writers to the other partitions
      // never wait (CREATE … PARTITION OF would lock the whole table); the CHECK spares the attach a scan.
      await sql`LOCK TABLE clicks_default IN ACCESS EXCLUSIVE MODE`.execute(trx);
      await sql`CREATE TABLE ${sql.id(name)} (LIKE clicks INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`.execute(trx);
      await sql`ALTER TABLE ${sql.id(name)} ADD CONSTRAINT ${sql.id(`${name}_range`)} CHECK (clicked_at >= ${sql.lit(from.toISOString())}::timestamptz AND clicked_at < ${sql.lit(to.toISOString())}::timestamptz)`.execute(
        trx,
      );
      await sql`
        WITH moved AS (DELETE FROM clicks_default WHERE clicked_at >= ${from} AND clicked_at < ${to} RETURNING *)
        INSERT INTO ${sql.id(name)} SELECT * FROM moved`.execute(trx);
      await sql`ALTER TABLE clicks ATTACH PARTITION ${sql.id(name)} FOR VALUES FROM (${sql.lit(from.toISOString())}) TO (${sql.lit(to.toISOString())})`.execute(
        trx,
      );
      await sql`ALTER TABLE ${sql.id(name)} DROP CONSTRAINT ${sql.id(`${name}_range`)}`.execute(trx);
    });
    have.add(name);
    created.push(name);
  }
  return created;
}

export interface DropResult {
  dropped: string[];
  /** Expired partitions kept because some of their clicks are not rolled up yet. */
  heldBack: string[];
}

/** Drops the partitions whose whole month ended more than `retentionDays` before `now`. */
export async function dropExpiredClickPartitions(db: Db, now: Date, retentionDays: number): Promise<DropResult> {
  const cutoff = now.getTime() - retentionDays * 86_400_000;
  const out: DropResult = { dropped: [], heldBack: [] };
  for (const p of await clickPartitions(db)) {
    if (p.to.getTime() > cutoff) continue;
    const done = await db.transaction().execute(async (trx) => {
      // The horizon row is locked so no refresh moves it meanwhile: what is at or below it is rolled up for good.
      // It also orders the drop after (or before) a refresh moving recent_from and dropping hour rows.
      const state = await sql<{ horizon: string; recent_from: Date }>`SELECT horizon, recent_from FROM click_rollup_state WHERE id = 1 FOR UPDATE`.execute(trx);
      const horizon = state.rows[0]?.horizon ?? '0';
      const unrolled = await sql`SELECT 1 FROM ${sql.id(p.name)} WHERE id > ${horizon}::bigint LIMIT 1`.execute(trx);
      if (unrolled.rows.length > 0) return false;
      // Its hour rows (with the quarter splits) outlive its clicks: an old local day in +5:45 stays exact. A recent
      // month has them already; a month dropped before (its partition made again for late clicks) kept them.
      const fine = await sql`SELECT 1 FROM click_fine_months WHERE month = ${p.from}`.execute(trx);
      if (fine.rows.length === 0) {
        if (p.from.getTime() < new Date(state.rows[0]?.recent_from ?? 0).getTime()) await keepHoursOf(trx, p.name);
        await sql`INSERT INTO click_fine_months (month) VALUES (${p.from})`.execute(trx);
      }
      await sql`DROP TABLE ${sql.id(p.name)}`.execute(trx);
      return true;
    });
    (done ? out.dropped : out.heldBack).push(p.name);
  }
  return out;
}
