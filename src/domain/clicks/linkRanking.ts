// The most-clicked links of a scope over a period, exact.
//
// An organisation has tens of thousands of links, and summing every link's rows of every piece of "30 days" reads a
// row per link per month, day and hour piece: 54k rows and 55-60 ms at 10M clicks, 82 ms at 30M, growing with every
// click stored. As for the top products (../earnings/productRanking.ts), the organisation's whole buckets that cover
// what the period counts positively (all time, a year, a month, a few days, and the day of each hour or raw piece)
// are read in order of clicks through an index (click_rollups_org_rank_idx), only as far as each one's K most-clicked
// links: a link read from no bucket's top K has at most that bucket's K-th count there. Only the clicks above the
// horizon can lift a link beyond that, so they are read whole; pieces counted negatively only lower a count. The
// candidates are counted exactly by key look-ups of their own rows. When the N-th best is above what an unread link
// could have, the top N is exact (9.6 ms at 10M, the same as at 1M); otherwise the plain sum over every link is taken
// in the same snapshot. Until every rollup row carries its organisation (the background fill after an upgrade), only
// the plain sum is used. An influencer's links are few: theirs is always the plain sum.
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database.ts';
import { ceilTo, floorTo, MAX_HELD_BUCKETS, pgInstant, type BucketGrain } from '../common/buckets.ts';
import { clickPieces, clickSource, hasHourRows, readClicks, type ClickScope, type ClickSnapshot, type ReadOptions, type TimeRange } from './clickCounts.ts';

/** Links read from each held bucket in order of clicks. */
const CANDIDATES = 30;

/** A link as click rankings name it: its code, whose it is and the product it points at. */
export interface RankedLink {
  linkId: number;
  code: string;
  campaign: string;
  handle: string;
  asin: string;
  title: string | null;
}

export interface TopLink extends RankedLink {
  /** Unique clicks in the range ranked by. */
  clicks: number;
  /** Unique clicks in each of the `also` ranges. */
  also: number[];
}

export interface RankOptions extends ReadOptions {
  /** Links read from each held bucket (tests make it small to take every path). */
  candidates?: number;
}

const n = (v: unknown) => Number(v ?? 0);

/** The most-clicked links (unique clicks) over `range`, most first then by code, with their clicks in `also` ranges. */
export async function topClickedLinks(
  db: Db,
  scope: ClickScope,
  range: TimeRange,
  limit: number,
  also: readonly TimeRange[] = [],
  opts: RankOptions = {},
): Promise<TopLink[]> {
  const top = Math.max(0, Math.floor(limit));
  if (top === 0) return [];
  const rows = await readClicks(db, scope, opts, async (conn, s) => {
    const bounded = 'organisationId' in scope ? boundedPerLink(s, range, also, top, opts.candidates ?? CANDIDATES) : undefined;
    if (bounded) {
      const fast = await ranked(bounded, top).execute(conn);
      // Unsettled: the statement could not prove its top exact, and the plain sum is taken (same snapshot).
      if (!fast.rows.some((r) => r.unsettled)) return fast.rows;
    }
    return (
      await ranked(sql`SELECT f.*, NULL::boolean AS unsettled FROM (${sums(clickSource(s, [range, ...also], { links: true }), also)}) f`, top).execute(conn)
    ).rows;
  });
  return rows.map((r) => ({
    linkId: n(r.link_id),
    code: r.code!,
    campaign: r.campaign!,
    handle: r.handle!,
    asin: r.asin!,
    title: r.title ?? null,
    clicks: n(r.clicks),
    also: also.map((_, i) => n(r[`also${i}`])),
  }));
}

/** A row of `ranked`: a link's sums (also0… for the also ranges) with its names, or an unsettled marker. */
type RankedRow = Record<string, string | null> & { unsettled: boolean | null };

/** The top `limit` of per-link sums (link_id, clicks, also…, unsettled) with their code and product; unsettled rows kept. */
function ranked(per: RawBuilder<unknown>, limit: number) {
  return sql<RankedRow>`
    WITH per AS MATERIALIZED (${per}),
    -- Only links that can make the list (ties at its end included) are joined for their code and product.
    best AS (
      SELECT per.*, k.code, k.campaign, i.handle, p.asin, p.title
        FROM per JOIN links k ON k.id = per.link_id JOIN influencers i ON i.id = k.influencer_id JOIN products p ON p.id = k.product_id
       WHERE per.clicks >= coalesce((SELECT x.clicks FROM per x WHERE x.link_id IS NOT NULL ORDER BY x.clicks DESC OFFSET ${limit - 1} LIMIT 1), 0)
       ORDER BY per.clicks DESC, k.code
       LIMIT ${limit})
    SELECT * FROM best
    UNION ALL
    SELECT per.*, NULL, NULL, NULL, NULL, NULL FROM per WHERE per.unsettled`;
}

/** (link_id, clicks, also0…) of a source's rows, for links with clicks in the range (segment 0). */
function sums(from: RawBuilder<unknown>, also: readonly TimeRange[]): RawBuilder<unknown> {
  const alsoCols = also.map((_, i) => sql`, sum(u.click) FILTER (WHERE u.seg = ${i + 1})::bigint AS ${sql.id(`also${i}`)}`);
  return sql`
    SELECT u.link_id, sum(u.click) FILTER (WHERE u.seg = 0)::bigint AS clicks ${sql.join(alsoCols, sql``)}
      FROM (${from}) u GROUP BY 1 HAVING sum(u.click) FILTER (WHERE u.seg = 0) > 0`;
}

/**
 * The organisation's whole buckets that cover what the range counts positively, one by one: its whole day, month,
 * year and all-time pieces, and the day of each hour piece and raw range (a day holds at least the clicks of any
 * part of it). Empty when there would be too many to read this way.
 */
function heldBuckets(s: ClickSnapshot, range: TimeRange): Array<{ grain: string; bucket: number }> {
  const pieces = clickPieces([range], s.now, true, (h) => hasHourRows(s, h));
  const held = new Map<string, { grain: string; bucket: number }>();
  const hold = (grain: BucketGrain, lo: number, hi: number) => {
    // Buckets after the clock too: empty unless clicks carry later times, and then they must bound them as well.
    for (let t = floorTo(grain, lo); t < hi; t = ceilTo(grain, t + 1)) {
      held.set(`${grain}|${t}`, { grain, bucket: t });
      if (held.size > MAX_HELD_BUCKETS) return;
    }
  };
  for (const p of pieces.rollup) {
    if (p.sign !== 1) continue;
    if (p.grain === 'all') held.set('all', { grain: 'all', bucket: -Infinity });
    else if (!Number.isFinite(p.lo) || !Number.isFinite(p.hi)) return [];
    else hold(p.grain === 'hour' ? 'day' : (p.grain as BucketGrain), p.lo, p.hi);
  }
  // Raw ranges lie within an hour (see clickPieces).
  for (const r of pieces.raw) if (r.sign === 1) hold('day', r.lo, r.hi);
  return held.size > MAX_HELD_BUCKETS ? [] : [...held.values()];
}

/**
 * Per-link sums of the links that can make the top `limit` of a whole organisation (ties at its end included), read
 * through its held buckets, with a row marked unsettled when that could not prove them exact; undefined where the
 * buckets cannot be read that way (rows without their organisation yet, raw counts asked for, too many buckets).
 */
function boundedPerLink(s: ClickSnapshot, range: TimeRange, also: readonly TimeRange[], limit: number, candidates: number): RawBuilder<unknown> | undefined {
  if (s.organisationId === null || !s.rollups || !s.organisationsFilled || s.influencers.length === 0) return undefined;
  const held = heldBuckets(s, range);
  if (held.length === 0) return undefined;
  const lo = range.from ? range.from.getTime() : -Infinity;
  const hi = range.to ? range.to.getTime() : Infinity;
  const exact = (cand: RawBuilder<unknown>) => sums(clickSource(s, [range, ...also], { of: cand }), also);
  return sql`
    WITH held AS (SELECT * FROM (VALUES ${sql.join(held.map((h) => sql`(${h.grain}::text, ${pgInstant(h.bucket)}::timestamptz)`))}) AS h(grain, bucket)),
    tops AS MATERIALIZED (
      SELECT h.grain, h.bucket, b.link_id, b.clicks
        FROM held h CROSS JOIN LATERAL (
          SELECT r.link_id, r.clicks FROM click_rollups r
           WHERE r.organisation_id = ${s.organisationId}::bigint AND r.link_id IS NOT NULL AND r.grain = h.grain AND r.bucket = h.bucket
           ORDER BY r.clicks DESC LIMIT ${candidates}) b),
    bound AS (
      SELECT coalesce(sum(CASE WHEN x.n < ${candidates} THEN 0 ELSE x.least END), 0) AS t
        FROM (SELECT h.grain, h.bucket, count(t.link_id) AS n, min(t.clicks) AS least
                FROM held h LEFT JOIN tops t ON t.grain = h.grain AND t.bucket = h.bucket GROUP BY 1, 2) x),
    -- What else could lift a link: its clicks above the horizon in the range (all of them, so still a bound).
    loose AS MATERIALIZED (
      SELECT c.link_id, count(*) AS clicks
        FROM clicks c
       WHERE c.id > ${s.horizon}::bigint AND c.kind = 'click' AND c.link_id IN (SELECT id FROM links WHERE influencer_id = ANY(${s.influencers}::bigint[]))
         ${lo > -Infinity ? sql`AND c.clicked_at >= ${pgInstant(lo)}::timestamptz` : sql``}
         ${hi < Infinity ? sql`AND c.clicked_at < ${pgInstant(hi)}::timestamptz` : sql``}
       GROUP BY 1),
    c1 AS MATERIALIZED (SELECT DISTINCT link_id FROM tops),
    e1 AS MATERIALIZED (${exact(sql`c1`)}),
    nth AS (SELECT clicks FROM e1 ORDER BY clicks DESC OFFSET ${limit - 1} LIMIT 1),
    -- Links that only their clicks above the horizon could bring to the N-th best.
    c2 AS MATERIALIZED (
      SELECT l.link_id FROM loose l
       WHERE NOT EXISTS (SELECT 1 FROM c1 WHERE c1.link_id = l.link_id)
         AND ((SELECT clicks FROM nth) IS NULL OR l.clicks + (SELECT t FROM bound) >= (SELECT clicks FROM nth))),
    fast AS MATERIALIZED (SELECT * FROM e1 UNION ALL ${exact(sql`c2`)}),
    best AS (SELECT clicks FROM fast ORDER BY clicks DESC LIMIT ${limit}),
    -- Exact when every held bucket was read whole, or when the N-th best is above what an unread link could have.
    ok AS (SELECT (SELECT t FROM bound) = 0 OR ((SELECT count(*) FROM best) = ${limit} AND (SELECT min(clicks) FROM best) > (SELECT t FROM bound)) AS yes)
    SELECT f.*, NULL::boolean AS unsettled FROM fast f WHERE (SELECT yes FROM ok)
    UNION ALL
    -- Unsettled: one row of nulls in fast's columns, marked.
    SELECT f.*, true FROM (SELECT 1) one LEFT JOIN fast f ON false WHERE NOT (SELECT yes FROM ok)`;
}
