// Top products and top links of a scope over a period, exact.
//
// An organisation sells most of its catalogue over a month, so summing every product of every piece would read tens
// of thousands of rows for "all time" or "30 days". Instead the organisation's whole buckets that the period counts
// positively (all time, a year, a month, a few days…) are read in order of amount, through an index, only as far as
// each one's K largest products; every other piece is read whole (the ledger edges, the lines above the horizon,
// buckets counted negatively, rows of lines that came through links or were unattributed). The candidates are those
// products (amounts made exact by looking each up in every bucket) and those products of the other pieces that could
// still reach the top N. A product read from no bucket's top K has at most that bucket's K-th largest amount there (or
// nothing): so when the N-th best candidate is above the sum of those bounds, the top N is exact. Otherwise the plain
// sum over everything, in the same statement, is taken (Postgres only runs it then).
import { sql, type RawBuilder } from 'kysely';
import type { TimeRange } from '../common/scope.ts';
import { organisationProductPieces, productsSource, type LedgerSnapshot } from './ledgerSums.ts';
import { ceilTo, MAX_HELD_BUCKETS, pgInstant, type Piece, type RollupGrain } from '../common/buckets.ts';

/** Products read from each bucket in order of amount. */
export const CANDIDATES = 100;

export interface ProductRank {
  rank: number;
  asin: string;
  currency: string;
  name: string | null;
  /** All kinds: settled (confirmed, bounty, reversal) plus pending. */
  amount: number;
  /** Quantity of lines other than reversals. */
  items: number;
  settled: number;
  pending: number;
  ordered: number;
  order_lines: number;
  shipped: number;
}

const SUMS = sql`max(u.product_name) AS name, sum(u.settled_minor + u.pending_minor)::bigint AS amount, sum(u.items)::bigint AS items,
  sum(u.settled_minor)::bigint AS settled, sum(u.pending_minor)::bigint AS pending, sum(u.items_ordered)::bigint AS ordered,
  sum(u.order_lines)::bigint AS order_lines, sum(u.items_shipped)::bigint AS shipped`;

/** The top `limit` products (largest amount first, then ASIN, then currency) of a source's rows, ranked from 1. */
function ranked(from: RawBuilder<unknown>, limit: number): RawBuilder<ProductRank> {
  return sql<ProductRank>`
    SELECT row_number() OVER (ORDER BY x.amount DESC, x.asin COLLATE "C", x.currency) AS rank, x.*
      FROM (SELECT u.asin, u.currency, ${SUMS} FROM (${from}) u
             WHERE u.asin IS NOT NULL GROUP BY u.asin, u.currency HAVING sum(u.lines) > 0
             ORDER BY amount DESC, u.asin COLLATE "C", u.currency LIMIT ${limit}) x`;
}

/**
 * The organisation's whole buckets that the range counts positively and that have begun, one by one, and the pieces
 * they make up (none when there would be too many to read this way).
 */
function heldBuckets(s: LedgerSnapshot, range: TimeRange) {
  const buckets: Array<{ grain: RollupGrain; bucket: number }> = [];
  const pieces: Piece[] = [];
  for (const p of organisationProductPieces(s, range)) {
    if (p.kind === 'raw' || p.sign !== 1) continue;
    if (p.kind === 'all') buckets.push({ grain: 'all', bucket: -Infinity });
    else if (Number.isFinite(p.from)) for (let t = p.from; t < p.to && t <= s.now; t = ceilTo(p.kind, t + 1)) buckets.push({ grain: p.kind, bucket: t });
    else continue;
    pieces.push(p);
  }
  return buckets.length <= MAX_HELD_BUCKETS ? { buckets, pieces } : { buckets: [], pieces: [] };
}

/** The scope's top `limit` products over the range, exact. */
export function topProducts(s: LedgerSnapshot, range: TimeRange, limit: number, candidates = CANDIDATES): RawBuilder<ProductRank> {
  const full = ranked(productsSource(s, [range]), limit);
  if (!('organisationId' in s.scope) || !s.rollups) return full;
  const { buckets: held, pieces } = heldBuckets(s, range);
  if (held.length === 0) return full;
  const org = sql`r.organisation_id = ${s.scope.organisationId}::bigint AND r.influencer_id IS NULL AND r.tracking_id IS NULL AND r.link_id IS NULL AND r.asin IS NOT NULL`;
  const buckets = sql.join(held.map((h) => sql`(${h.grain}::text, ${pgInstant(h.bucket)}::timestamptz)`));
  // Every row of the given products: those of the other pieces, and those of the held buckets (one look-up each).
  const rowsOf = (cand: RawBuilder<unknown>) => sql`
    SELECT x.* FROM others x JOIN ${cand} c ON c.asin = x.asin AND c.currency = x.currency
    UNION ALL
    SELECT 0, NULL::bigint, NULL::text, r.currency, r.asin, r.link_id, r.product_name, r.lines, r.settled_minor, r.pending_minor,
           r.items, r.items_shipped, r.items_ordered, r.order_lines
      FROM held h CROSS JOIN ${cand} c
      JOIN LATERAL (SELECT * FROM earnings_product_rollups r
                     WHERE ${org} AND r.grain = h.grain AND r.bucket = h.bucket AND r.asin = c.asin AND r.currency = c.currency OFFSET 0) r ON true`;
  return sql<ProductRank>`
    WITH others AS MATERIALIZED (${productsSource(s, [range], { holdOut: pieces })}),
    held AS (SELECT * FROM (VALUES ${buckets}) AS h(grain, bucket)),
    tops AS MATERIALIZED (
      SELECT h.grain, h.bucket, b.asin, b.currency, b.amount
        FROM held h CROSS JOIN LATERAL (
          SELECT r.asin, r.currency, r.settled_minor + r.pending_minor AS amount FROM earnings_product_rollups r
           WHERE ${org} AND r.grain = h.grain AND r.bucket = h.bucket
           ORDER BY r.settled_minor + r.pending_minor DESC LIMIT ${candidates}) b),
    bound AS (
      SELECT coalesce(sum(CASE WHEN n < ${candidates} THEN 0 ELSE greatest(least_amount, 0) END), 0) AS t
        FROM (SELECT h.grain, h.bucket, count(t.asin) AS n, min(t.amount) AS least_amount
                FROM held h LEFT JOIN tops t ON t.grain = h.grain AND t.bucket = h.bucket GROUP BY 1, 2) x),
    -- What the other pieces add to each product; a product only they name gets at most the bound from the buckets.
    o AS MATERIALIZED (SELECT asin, currency, sum(settled_minor + pending_minor) AS amount FROM others WHERE asin IS NOT NULL GROUP BY 1, 2),
    c1 AS MATERIALIZED (SELECT DISTINCT asin, currency FROM tops),
    r1 AS MATERIALIZED (${rowsOf(sql`c1`)}),
    e1 AS MATERIALIZED (${ranked(sql`SELECT * FROM r1`, limit)}),
    nth AS (SELECT amount FROM e1 ORDER BY amount DESC OFFSET ${limit - 1} LIMIT 1),
    c2 AS MATERIALIZED (
      SELECT o.asin, o.currency FROM o
       WHERE NOT EXISTS (SELECT 1 FROM c1 WHERE c1.asin = o.asin AND c1.currency = o.currency)
         AND ((SELECT amount FROM nth) IS NULL OR o.amount + (SELECT t FROM bound) >= (SELECT amount FROM nth))),
    fast AS MATERIALIZED (${ranked(sql`SELECT * FROM r1 UNION ALL ${rowsOf(sql`c2`)}`, limit)}),
    ok AS (SELECT (SELECT count(*) FROM fast) = ${limit} AND (SELECT min(amount) FROM fast) > (SELECT t FROM bound) AS yes)
    SELECT * FROM fast WHERE (SELECT yes FROM ok)
    UNION ALL
    SELECT * FROM (${full}) f WHERE NOT (SELECT yes FROM ok)`;
}

export interface LinkRank {
  rank: number;
  link_id: number;
  currency: string;
  amount: number;
  items: number;
  code: string | null;
  campaign: string | null;
}

/** The scope's top `limit` links (lines that name the link they came through) over the range. */
export function topLinks(s: LedgerSnapshot, range: TimeRange, limit: number): RawBuilder<LinkRank> {
  return sql<LinkRank>`
    SELECT row_number() OVER (ORDER BY x.amount DESC, x.link_id, x.currency) AS rank, x.*, k.code, k.campaign
      FROM (SELECT u.link_id, u.currency, sum(u.settled_minor + u.pending_minor)::bigint AS amount, sum(u.items)::bigint AS items
              FROM (${productsSource(s, [range], { linksOnly: true })}) u
             WHERE u.link_id IS NOT NULL GROUP BY u.link_id, u.currency HAVING sum(u.lines) > 0
             ORDER BY amount DESC, u.link_id, u.currency LIMIT ${limit}) x
      LEFT JOIN links k ON k.id = x.link_id`;
}

export interface ProductOrLinkRank {
  by_link: boolean;
  rank: number;
  asin: string | null;
  link_id: number | null;
  currency: string;
  name: string | null;
  amount: number;
  items: number;
  code: string | null;
  campaign: string | null;
}

/**
 * Top products and top links (by_link tells them apart). An organisation's products go through the amount-ordered
 * index and its links apart; an influencer's, whose rows are few, in one pass over the product rows (a grouping set
 * each), cheaper than reading the ledger edges twice.
 */
export function topProductsAndLinks(s: LedgerSnapshot, range: TimeRange, limit: number): RawBuilder<ProductOrLinkRank> {
  if ('organisationId' in s.scope) {
    return sql<ProductOrLinkRank>`
      SELECT false AS by_link, p.rank, p.asin, NULL::bigint AS link_id, p.currency, p.name, p.amount, p.items, NULL::text AS code, NULL::text AS campaign
        FROM (${topProducts(s, range, limit)}) p
      UNION ALL
      SELECT true, l.rank, NULL, l.link_id, l.currency, NULL, l.amount, l.items, l.code, l.campaign FROM (${topLinks(s, range, limit)}) l`;
  }
  return sql<ProductOrLinkRank>`
    WITH g AS MATERIALIZED (
      SELECT GROUPING(u.link_id) = 0 AS by_link, u.asin, u.link_id, u.currency, max(u.product_name) AS name,
             sum(u.settled_minor + u.pending_minor)::bigint AS amount, sum(u.items)::bigint AS items
        FROM (${productsSource(s, [range])}) u
       GROUP BY GROUPING SETS ((u.asin, u.currency), (u.link_id, u.currency))
      HAVING sum(u.lines) > 0)
    SELECT false AS by_link, row_number() OVER (ORDER BY p.amount DESC, p.asin COLLATE "C", p.currency) AS rank,
           p.asin, NULL::bigint AS link_id, p.currency, p.name, p.amount, p.items, NULL::text AS code, NULL::text AS campaign
      FROM (SELECT * FROM g WHERE NOT g.by_link AND g.asin IS NOT NULL ORDER BY g.amount DESC, g.asin COLLATE "C", g.currency LIMIT ${limit}) p
    UNION ALL
    SELECT true, row_number() OVER (ORDER BY l.amount DESC, l.link_id, l.currency), NULL, l.link_id, l.currency, l.name, l.amount, l.items, k.code, k.campaign
      FROM (SELECT * FROM g WHERE g.by_link AND g.link_id IS NOT NULL ORDER BY g.amount DESC, g.link_id, g.currency LIMIT ${limit}) l
      LEFT JOIN links k ON k.id = l.link_id`;
}
