// Brings the click rollups up to date with clicks, incrementally, without ever skipping a committed click: the same
// horizon as the earnings rollups (see ../earnings/rollupRefresh.ts). Click ids are drawn when a batch is inserted
// and become visible when it commits, so the sequence value read now becomes the horizon only once every
// transaction then holding the sequence has ended; readers take the clicks above the horizon from clicks itself.
// Clicks between the old and the new horizon are counted into the rollups in chunks, one transaction each, which
// also moves the horizon (first, so a partition drop, which locks the horizon row, never races a chunk).
// Each chunk counts its clicks by link and UTC hour once (a hash aggregate over the id range) and builds every
// coarser row from those hours in the same statement: influencer, link and organisation rows alike.
//
// What is kept (disk): organisation rows at every grain for all history (few); influencer rows (every kind) and link
// rows (unique clicks) by day, month, year and all time for all history, but by hour only from recent_from (the start
// of the previous UTC month) and for months whose raw partition is dropped (click_fine_months). The trade-off: a
// range edge inside a day of an old month (a local midnight in New York, Kolkata +5:30, Kathmandu +5:45) reads its
// sub-day part from the raw clicks while they exist, a few index probes per edge; when a month's partition is
// dropped its hour rows (with the quarter splits) are rebuilt from its raw clicks in the same transaction
// (./clickPartitions.ts), so quarter-hour exactness never depends on raw clicks that are gone. Hour rows thus cost
// disk only for the recent months and for months past the retention, where they replace the far larger raw clicks.
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database.ts';
import { refreshRollups } from '../common/rollupHorizon.ts';

/** pg_advisory_lock key of the refresh ("clikroll"). */
export const CLICK_ROLLUP_LOCK_KEY = 0x636c696b726f6c6cn;
/** Click ids counted per transaction. */
export const DEFAULT_CHUNK_IDS = 4_000_000;

export interface ClickRefreshResult {
  previousHorizon: number;
  horizon: number;
  /** Clicks counted into the rollups by this refresh. */
  clicks: number;
  /** Open transactions holding the horizon below the sequence's value (0 when the rollups are current). */
  waitingFor: number;
}

export interface ClickRefreshOptions {
  chunkIds?: number;
  /** Stop after this many ids (the rest is left for the next refresh). */
  maxIds?: number;
  /** The clock, for which months count as recent (tests). */
  now?: Date;
}

export async function refreshClickRollups(db: Db, opts: ClickRefreshOptions = {}): Promise<ClickRefreshResult> {
  const r = await refreshRollups(db, {
    lockKey: CLICK_ROLLUP_LOCK_KEY,
    tables: { source: 'clicks', state: 'click_rollup_state', candidates: 'click_rollup_candidates' },
    chunkIds: opts.chunkIds ?? DEFAULT_CHUNK_IDS,
    maxIds: opts.maxIds,
    before: (trx) => forgetOldHours(trx, opts.now ?? new Date()),
    chunk: rollChunk,
  });
  return { previousHorizon: r.horizon.previous, horizon: r.reached, clicks: r.chunks.reduce((n, c) => n + c, 0), waitingFor: r.horizon.waitingFor };
}

/**
 * Influencer and link hour rows are kept from the start of the previous UTC month (today, yesterday, 7 and 30 days,
 * month to date and the digest read them); when a month falls out, its hour rows go and recent_from moves, in one
 * transaction (readers see either both or neither). Months in click_fine_months keep theirs. The state row is
 * updated first: a partition drop locks it too, so the two never interleave.
 */
async function forgetOldHours(trx: Db, now: Date): Promise<void> {
  const cutoff = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const moved = await sql`UPDATE click_rollup_state SET recent_from = ${cutoff} WHERE id = 1 AND recent_from < ${cutoff}`.execute(trx);
  if (Number(moved.numAffectedRows ?? 0) === 0) return;
  await sql`
    DELETE FROM click_rollups r
     WHERE r.grain = 'hour' AND r.bucket < ${cutoff}
       AND NOT EXISTS (SELECT 1 FROM click_fine_months f WHERE f.month = date_trunc('month', r.bucket, 'UTC'))`.execute(trx);
}

const KINDS = { clicks: 'click', repeats: 'repeat', previews: 'preview', bots: 'bot' } as const;
const MEASURES = Object.keys(KINDS).flatMap((m) => [m, `${m}_q1`, `${m}_q2`, `${m}_q3`]);
const cols = sql.join(MEASURES.map((m) => sql.id(m)));
const reSums = sql.join(MEASURES.map((m) => sql`sum(${sql.id(m)})::bigint AS ${sql.id(m)}`));
/** Per kind: the clicks, and those in the first 15, 30 and 45 minutes of their hour. */
const clickSums = sql.join(
  Object.entries(KINDS).flatMap(([m, kind]) => [
    sql`count(*) FILTER (WHERE c.kind = ${kind})::bigint AS ${sql.id(m)}`,
    ...[1, 2, 3].map(
      (q) =>
        sql`count(*) FILTER (WHERE c.kind = ${kind} AND c.clicked_at < date_trunc('hour', c.clicked_at, 'UTC') + ${`${15 * q} minutes`}::interval)::bigint AS ${sql.id(`${m}_q${q}`)}`,
    ),
  ]),
);
/** Link rows keep unique clicks only. */
const linkOnly = sql.join(MEASURES.map((m) => (m.startsWith('clicks') ? sql.id(m) : sql`0::bigint AS ${sql.id(m)}`)));
const addUp = sql.join(MEASURES.map((m) => sql`${sql.id(m)} = click_rollups.${sql.id(m)} + excluded.${sql.id(m)}`));
const addUpOrg = sql.join(MEASURES.map((m) => sql`${sql.id(m)} = click_org_rollups.${sql.id(m)} + excluded.${sql.id(m)}`));
const reSumsOf = (t: string) => sql.join(MEASURES.map((m) => sql`sum(${sql.ref(`${t}.${m}`)})::bigint AS ${sql.id(m)}`));

/** Whether influencer and link hour rows are kept for the hour `bucket` (see the header). */
export const keepsHours = (bucket: RawBuilder<unknown>) => sql`(${bucket} >= (SELECT recent_from FROM click_rollup_state WHERE id = 1)
  OR EXISTS (SELECT 1 FROM click_fine_months f WHERE f.month = date_trunc('month', ${bucket}, 'UTC')))`;

/** Counts click ids (lo, hi] into the rollups and moves the horizon to hi, in the caller's transaction. */
async function rollChunk(trx: Db, lo: number, hi: number): Promise<number> {
  await sql`SET LOCAL work_mem = '256MB'`.execute(trx);
  const moved = await sql`UPDATE click_rollup_state SET horizon = ${hi}, refreshed_at = now() WHERE id = 1 AND horizon = ${lo}`.execute(trx);
  if (Number(moved.numAffectedRows ?? 0) !== 1) throw new Error(`The click rollup horizon moved under this refresh (expected ${lo})`);
  const inserted = await sql<{ n: string | null }>`
    WITH link_hours AS MATERIALIZED (
      SELECT date_trunc('hour', c.clicked_at, 'UTC') AS bucket, i.organisation_id, k.influencer_id, c.link_id, ${clickSums}
        FROM clicks c JOIN links k ON k.id = c.link_id JOIN influencers i ON i.id = k.influencer_id
       WHERE c.id > ${lo} AND c.id <= ${hi}
       GROUP BY 1, 2, 3, 4),
    ${hierarchy(sql`link_hours`)}
    SELECT sum(clicks + repeats + previews + bots)::bigint AS n FROM i_hours`.execute(trx);
  return Number(inserted.rows[0]?.n ?? 0);
}

/**
 * CTEs that add the hours of `linkHours` (bucket, organisation_id, influencer_id, link_id, measures) into every rollup: influencer
 * rows (every kind) and link rows (unique clicks) by hour where hours are kept, and by day, month, year and all
 * time; organisation rows at every grain. Coarser rows are built from the hours in SQL.
 */
function hierarchy(linkHours: RawBuilder<unknown>): RawBuilder<unknown> {
  const up = (from: string, grain: string, key: string) =>
    sql`SELECT date_trunc(${grain}, bucket, 'UTC') AS bucket, ${sql.raw(key)}, ${reSums} FROM ${sql.table(from)} GROUP BY 1, ${sql.raw(key)}`;
  const ik = 'organisation_id, influencer_id, link_id';
  return sql`
    i_hours AS MATERIALIZED (SELECT bucket, organisation_id, influencer_id, NULL::bigint AS link_id, ${reSums} FROM ${linkHours} GROUP BY 1, 2, 3),
    i_days AS MATERIALIZED (${up('i_hours', 'day', ik)}),
    i_months AS MATERIALIZED (${up('i_days', 'month', ik)}),
    i_years AS MATERIALIZED (${up('i_months', 'year', ik)}),
    l_hours AS MATERIALIZED (SELECT bucket, organisation_id, influencer_id, link_id, ${linkOnly} FROM ${linkHours} WHERE clicks > 0),
    l_days AS MATERIALIZED (${up('l_hours', 'day', ik)}),
    l_months AS MATERIALIZED (${up('l_days', 'month', ik)}),
    l_years AS MATERIALIZED (${up('l_months', 'year', ik)}),
    o_hours AS MATERIALIZED (SELECT h.bucket, h.organisation_id, ${reSumsOf('h')} FROM i_hours h GROUP BY 1, 2),
    o_days AS MATERIALIZED (${up('o_hours', 'day', 'organisation_id')}),
    o_months AS MATERIALIZED (${up('o_days', 'month', 'organisation_id')}),
    o_years AS MATERIALIZED (${up('o_months', 'year', 'organisation_id')}),
    ins AS (
      INSERT INTO click_rollups (grain, bucket, organisation_id, influencer_id, link_id, ${cols})
      SELECT 'hour', * FROM i_hours WHERE ${keepsHours(sql`bucket`)}
      UNION ALL SELECT 'day', * FROM i_days UNION ALL SELECT 'month', * FROM i_months UNION ALL SELECT 'year', * FROM i_years
      UNION ALL SELECT 'all', '-infinity'::timestamptz, organisation_id, influencer_id, link_id, ${reSums} FROM i_years GROUP BY 3, 4, 5
      UNION ALL SELECT 'hour', * FROM l_hours WHERE ${keepsHours(sql`bucket`)}
      UNION ALL SELECT 'day', * FROM l_days UNION ALL SELECT 'month', * FROM l_months UNION ALL SELECT 'year', * FROM l_years
      UNION ALL SELECT 'all', '-infinity'::timestamptz, organisation_id, influencer_id, link_id, ${reSums} FROM l_years GROUP BY 3, 4, 5
      ON CONFLICT (influencer_id, grain, bucket, link_id) DO UPDATE SET ${addUp}),
    ins_org AS (
      INSERT INTO click_org_rollups (grain, bucket, organisation_id, ${cols})
      SELECT 'hour', * FROM o_hours UNION ALL SELECT 'day', * FROM o_days UNION ALL SELECT 'month', * FROM o_months
      UNION ALL SELECT 'year', * FROM o_years
      UNION ALL SELECT 'all', '-infinity'::timestamptz, organisation_id, ${reSums} FROM o_years GROUP BY 3
      ON CONFLICT (organisation_id, grain, bucket) DO UPDATE SET ${addUpOrg})`;
}

/**
 * The influencer and link hour rows of the clicks in partition `name` (all at or below the horizon), for a month whose
 * raw clicks are about to go: run in the drop's transaction, with the horizon row locked.
 */
export async function keepHoursOf(trx: Db, name: string): Promise<void> {
  await sql`
    WITH link_hours AS MATERIALIZED (
      SELECT date_trunc('hour', c.clicked_at, 'UTC') AS bucket, i.organisation_id, k.influencer_id, c.link_id, ${clickSums}
        FROM ${sql.table(name)} c JOIN links k ON k.id = c.link_id JOIN influencers i ON i.id = k.influencer_id
       GROUP BY 1, 2, 3, 4)
    INSERT INTO click_rollups (grain, bucket, organisation_id, influencer_id, link_id, ${cols})
    SELECT 'hour', bucket, organisation_id, influencer_id, NULL::bigint, ${reSums} FROM link_hours GROUP BY 2, 3, 4
    UNION ALL SELECT 'hour', bucket, organisation_id, influencer_id, link_id, ${linkOnly} FROM link_hours WHERE clicks > 0`.execute(trx);
}
