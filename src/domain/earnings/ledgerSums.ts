// Sums of ledger lines for an influencer or an organisation over time ranges, read from the rollups where buckets
// fit and from the ledger everywhere else, so every figure is exact to the cent. A range is a signed sum of pieces
// (see buckets.ts): rollup buckets, each holding the entries with id <= horizon, and raw ledger ranges (any id);
// the entries above the horizon (not rolled up yet) are added from the ledger with the sign of each bucket that
// holds them.
// Rows of lines unattributed when rolled up are kept per organisation and tracking ID and count for the tracking ID's
// holder in that organisation (its verified row), as attribution has since made the lines themselves (lines of another
// organisation's ingests are never theirs). Before a held tracking ID moves to another influencer, its rows are made
// its holder's (see trackingIdClaims.ts), so they never follow it.
// Product rows: per organisation (by day only from recent_from on), per influencer (by month from recent_from on;
// for "dense" influencers, whose lines are many, also by day from recent_from on, by month and year for all history,
// and all time), per tracking ID for unattributed lines.
// Everything of one read happens in one REPEATABLE READ snapshot.
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database.ts';
import { inReadSnapshot } from '../common/readSnapshot.ts';
import { decompose, pgInstant, type Availability, type BucketGrain, type CostModel } from '../common/buckets.ts';
import type { EarningsScope, TimeRange } from '../common/scope.ts';

export interface LedgerSnapshot {
  scope: EarningsScope;
  /** The scope's organisation (the influencer's, for an influencer). */
  organisationId: number | null;
  /** Entries with id <= horizon are in the rollups. */
  horizon: number;
  /** Organisation day rows and every influencer's month rows exist from this instant on. */
  recentFrom: number;
  /** Influencers of the scope; those of them with product rows for all history; the tracking IDs they own. */
  influencers: number[];
  denseInfluencers: number[];
  trackingIds: string[];
  /** Those of the tracking IDs with rollup rows of lines unattributed when rolled up (usually none). */
  unattributedTrackingIds: string[];
  /** False reads the ledger alone (baseline and checks). */
  rollups: boolean;
  /** The clock for choosing pieces (buckets after it hold nothing yet), read once per snapshot. */
  now: number;
}

export interface SnapshotOptions {
  /** Read the ledger alone, ignoring the rollups (for checks and the benchmark's baseline). */
  rollups?: boolean;
}

type Queries<T> = { [K in keyof T]: RawBuilder<T[K]> };
type Results<T> = { [K in keyof T]: T[K][] };

interface ScopeRow {
  organisation_id: number | string | null;
  horizon: number | string | null;
  recent_from: Date | string | null;
  influencers: Array<string | number>;
  dense: Array<string | number>;
  tracking_ids: string[];
  unattributed: string[];
}

/** The rollup state and the scope's influencers and tracking IDs, as one row. */
async function resolve(db: Db, scope: EarningsScope, opts: SnapshotOptions, jitOff: boolean): Promise<LedgerSnapshot> {
  const influencers = sql`(SELECT id FROM influencers WHERE ${'influencerId' in scope ? sql`id = ${scope.influencerId}` : sql`organisation_id = ${scope.organisationId}`})`;
  // Holdings only: a claim waiting for verification reveals none of its tracking ID's rows.
  const trackingIds = sql`(SELECT tracking_id FROM tracking_ids WHERE influencer_id IN ${influencers} AND verified)`;
  const organisation =
    'influencerId' in scope ? sql`(SELECT organisation_id FROM influencers WHERE id = ${scope.influencerId})` : sql`${scope.organisationId}::bigint`;
  const row = (
    await sql<ScopeRow>`
      SELECT ${jitOff ? sql`set_config('jit', 'off', true) AS jit,` : sql``}
             ${organisation} AS organisation_id, s.horizon, s.recent_from,
             ARRAY(SELECT id FROM ${influencers} i ORDER BY id) AS influencers,
             ARRAY(SELECT d.influencer_id FROM earnings_dense_influencers d WHERE d.influencer_id IN ${influencers} ORDER BY 1) AS dense,
             ARRAY(SELECT tracking_id FROM ${trackingIds} t ORDER BY tracking_id) AS tracking_ids,
             ARRAY(SELECT DISTINCT r.tracking_id FROM earnings_rollups r
                    WHERE r.organisation_id = ${organisation} AND r.tracking_id IN ${trackingIds} AND r.influencer_id IS NULL AND r.grain = 'all'
                    ORDER BY r.tracking_id) AS unattributed
        FROM earnings_rollup_state s WHERE s.id = 1`.execute(db)
  ).rows[0];
  const recent = row?.recent_from ? new Date(row.recent_from).getTime() : NaN;
  return {
    scope,
    organisationId: row?.organisation_id == null ? null : Number(row.organisation_id),
    horizon: Number(row?.horizon ?? 0),
    recentFrom: Number.isFinite(recent) ? recent : -Infinity,
    influencers: (row?.influencers ?? []).map(Number),
    denseInfluencers: (row?.dense ?? []).map(Number),
    trackingIds: row?.tracking_ids ?? [],
    unattributedTrackingIds: row?.unattributed ?? [],
    rollups: opts.rollups !== false && row !== undefined,
    now: Date.now(),
  };
}

/**
 * Runs the queries `build` makes for the scope as one statement, in a REPEATABLE READ transaction that first reads
 * the rollup state and the scope: four round trips (begin, state, queries, commit), one snapshot, so a refresh or a
 * registration committing meanwhile changes nothing. JIT compilation is off for the transaction: these are many
 * small index scans, and compiling them would cost more than running them. Rows come back through JSON: sums are
 * integers well inside 2^53, so they stay exact.
 */
export async function readLedger<T extends Record<string, object>>(
  db: Db,
  scope: EarningsScope,
  build: (s: LedgerSnapshot) => Queries<T>,
  opts: SnapshotOptions = {},
): Promise<Results<T>> {
  const run = async (conn: Db, jitOff: boolean): Promise<Results<T>> => {
    const s = await resolve(conn, scope, opts, jitOff);
    const queries = build(s);
    const names = Object.keys(queries);
    const ctes = sql.join(names.map((k, i) => sql`${sql.id(`q${i}`)} AS (${queries[k as keyof T]})`));
    const cols = sql.join(names.map((_, i) => sql`(SELECT coalesce(json_agg(${sql.id(`q${i}`)}), '[]'::json) FROM ${sql.id(`q${i}`)}) AS ${sql.id(`q${i}`)}`));
    const row = (await sql<Record<string, unknown>>`WITH ${ctes} SELECT ${cols}`.execute(conn)).rows[0]!;
    return Object.fromEntries(names.map((k, i) => [k, row[`q${i}`]])) as Results<T>;
  };
  return inReadSnapshot(db, run);
}

// ---------------------------------------------------------------------------------------------------------------
// Measures: how one ledger line (alias e) contributes to each rollup column. The refresh sums exactly these.

type Measures = Record<string, RawBuilder<unknown>>;

const ORDER = sql`e.kind = 'pending' AND e.report_type <> 'release'`;

export const TOTAL_MEASURES = {
  lines: sql`1`,
  confirmed_minor: sql`CASE WHEN e.kind = 'confirmed' THEN e.amount_minor ELSE 0 END`,
  pending_minor: sql`CASE WHEN e.kind = 'pending' THEN e.amount_minor ELSE 0 END`,
  reversed_minor: sql`CASE WHEN e.kind = 'reversal' THEN e.amount_minor ELSE 0 END`,
  bounty_minor: sql`CASE WHEN e.kind = 'bounty' THEN e.amount_minor ELSE 0 END`,
  earned_lines: sql`CASE WHEN e.kind IN ('confirmed', 'bounty') THEN 1 ELSE 0 END`,
  items_shipped: sql`CASE WHEN e.kind = 'confirmed' THEN e.quantity ELSE 0 END`,
  items_reversed: sql`CASE WHEN e.kind = 'reversal' THEN abs(e.quantity) ELSE 0 END`,
  items_returned: sql`CASE WHEN e.kind = 'reversal' AND e.reverses_entry_id IS NULL THEN -e.quantity ELSE 0 END`,
  items_ordered: sql`CASE WHEN ${ORDER} THEN e.quantity ELSE 0 END`,
  order_lines: sql`CASE WHEN ${ORDER} THEN 1 ELSE 0 END`,
} satisfies Measures;

export const PRODUCT_MEASURES = {
  lines: sql`1`,
  settled_minor: sql`CASE WHEN e.kind <> 'pending' THEN e.amount_minor ELSE 0 END`,
  pending_minor: sql`CASE WHEN e.kind = 'pending' THEN e.amount_minor ELSE 0 END`,
  items: sql`CASE WHEN e.kind <> 'reversal' THEN e.quantity ELSE 0 END`,
  items_shipped: sql`CASE WHEN e.kind = 'confirmed' THEN e.quantity ELSE 0 END`,
  items_ordered: sql`CASE WHEN ${ORDER} THEN e.quantity ELSE 0 END`,
  order_lines: sql`CASE WHEN ${ORDER} THEN 1 ELSE 0 END`,
} satisfies Measures;

/** Products (and links) rolled up: lines with an ASIN or a link. */
export const PRODUCT_LINES = sql`(e.asin IS NOT NULL OR e.link_id IS NOT NULL)`;

// ---------------------------------------------------------------------------------------------------------------
// Sources: a subquery of rows (seg, influencer_id, tracking_id, currency, [asin, link_id, product_name,] measures…)
// whose sums per segment are the ledger's sums over that segment's range. Callers group and sum. product_name is
// only given where the piece counts positively: the greatest name among the lines read (names of one product
// practically never differ; amounts and counts are exact in any case).

const TOTAL_GRAINS: readonly BucketGrain[] = ['day', 'month', 'year'];
/** Relative costs: a raw hour of a busy scope against one rollup row per tracking ID and bucket. */
const TOTAL_COST: CostModel = { rawHour: 2, bucket: { day: 1, month: 1, year: 1, all: 1 } };
const ORG_TOTAL_GRAINS: readonly BucketGrain[] = ['hour', 'day', 'month', 'year'];
/** An organisation's rows: one per bucket and currency, against hundreds of lines in a raw hour. */
const ORG_TOTAL_COST: CostModel = { rawHour: 50, bucket: { hour: 1, day: 1, month: 1, year: 1, all: 1 } };
const ORG_PRODUCT_GRAINS: readonly BucketGrain[] = ['day', 'month', 'year'];
/** An organisation sells thousands of products a day and most of the catalogue in a month. */
const ORG_PRODUCT_COST: CostModel = { rawHour: 0.07, bucket: { day: 1, month: 6, year: 7, all: 7 } };
const INFLUENCER_PRODUCT_GRAINS: readonly BucketGrain[] = ['day', 'month', 'year'];
/** A big seller sells a thousand products a day, a few thousand a month, and not many more in a year. */
const INFLUENCER_PRODUCT_COST: CostModel = { rawHour: 0.04, bucket: { day: 0.5, month: 1, year: 1.5, all: 1.5 } };

/** One set of rollup rows: its condition on r, and who owns them. */
interface Unit {
  where: RawBuilder<unknown>;
  /** The owning influencer (null for organisation rows). */
  owner: RawBuilder<unknown>;
  /** Rows of lines unattributed when rolled up: joined to their tracking ID's owner as t. */
  viaTrackingIds?: boolean;
  /** Pieces whose link-less rows of this unit the caller reads itself: only rows of lines with a link are read here. */
  heldPieces?: Array<{ kind: string; from: number; to: number }>;
}

interface SourceSpec {
  table: 'earnings_rollups' | 'earnings_product_rollups';
  grains: readonly BucketGrain[];
  cost: CostModel;
  /** Where the units' rows exist (default: every bucket of every grain). */
  available?: Availability;
  measures: Measures;
  units: Unit[];
  /** The influencers whose ledger lines the raw pieces and the tail read (those the units stand for). */
  influencers: number[];
  /** Tracking ID of rollup rows (totals) or null (products). */
  trackingOf: RawBuilder<unknown>;
  products: boolean;
  /** Extra conditions on rollup rows (r) and ledger lines (e). */
  rollupFilter?: RawBuilder<unknown>;
  rawFilter?: RawBuilder<unknown>;
}

interface Placed {
  seg: number;
  sign: number;
  from: number;
  to: number;
}

function source(s: LedgerSnapshot, segments: readonly TimeRange[], spec: SourceSpec): RawBuilder<unknown>[] {
  const infl = spec.influencers;
  if (infl.length === 0) return [];
  const buckets: Array<Placed & { grain: string }> = [];
  const raws: Placed[] = [];
  segments.forEach((seg, i) => {
    if (!s.rollups) {
      const lo = seg.from ? seg.from.getTime() : -Infinity;
      const hi = seg.to ? seg.to.getTime() : Infinity;
      if (lo < hi) raws.push({ seg: i, sign: 1, from: lo, to: hi });
      return;
    }
    for (const p of decompose(seg.from, seg.to, spec.grains, spec.cost, s.now, spec.available)) {
      if (p.kind === 'raw') raws.push({ seg: i, sign: p.sign, from: p.from, to: p.to });
      else buckets.push({ seg: i, sign: p.sign, grain: p.kind, from: p.from, to: p.to });
    }
  });
  // Pieces go to Postgres as literal ranges (so its estimates see how few rows they select and it reads them through
  // an index), then each row is matched to its pieces for segment and sign.
  const ranges = (col: RawBuilder<unknown>, list: Placed[]) =>
    sql.join(
      [...new Map(list.map((r) => [`${r.from}|${r.to}`, r])).values()].map(
        (r) => sql`(${col} >= ${pgInstant(r.from)}::timestamptz AND ${col} < ${pgInstant(r.to)}::timestamptz)`,
      ),
      sql` OR `,
    );
  const values = (list: Placed[]) =>
    sql.join(list.map((r) => sql`(${r.seg}::int, ${r.sign}::int, ${pgInstant(r.from)}::timestamptz, ${pgInstant(r.to)}::timestamptz)`));

  const names = Object.keys(spec.measures);
  const signed = (alias: string, sign: RawBuilder<unknown>) => sql.join(names.map((n) => sql`${sql.ref(`${alias}.${n}`)} * ${sign} AS ${sql.id(n)}`));
  const rawMeasures = sql.join(names.map((n) => sql`(${spec.measures[n]!})::bigint * x.sign AS ${sql.id(n)}`));
  const rollupDims = spec.products ? sql`r.asin, r.link_id, CASE WHEN p.sign > 0 THEN r.product_name END AS product_name,` : sql``;
  const rawDims = spec.products ? sql`e.asin, e.link_id, CASE WHEN x.sign > 0 THEN e.product_name END AS product_name,` : sql``;
  const table = sql.table(spec.table);
  const rollupFilter = spec.rollupFilter ? sql`AND ${spec.rollupFilter}` : sql``;
  const rawFilter = spec.rawFilter ? sql`AND ${spec.rawFilter}` : sql``;
  const branches: RawBuilder<unknown>[] = [];

  for (const grain of [...new Set(buckets.map((b) => b.grain))]) {
    for (const unit of spec.units) {
      const isHeld = (b: Placed & { grain: string }) => unit.heldPieces?.some((h) => h.kind === b.grain && h.from === b.from && h.to === b.to) ?? false;
      const parts = [
        { mine: buckets.filter((b) => b.grain === grain && !isHeld(b)), only: sql`` },
        { mine: buckets.filter((b) => b.grain === grain && isHeld(b)), only: sql`AND r.link_id IS NOT NULL` },
      ];
      for (const { mine, only } of parts) {
        if (mine.length === 0) continue;
        branches.push(sql`
          SELECT p.seg, ${unit.owner} AS influencer_id, ${spec.trackingOf} AS tracking_id, r.currency, ${rollupDims} ${signed('r', sql`p.sign`)}
            FROM (SELECT * FROM ${table} r WHERE r.grain = ${grain}::text AND (${ranges(sql`r.bucket`, mine)}) AND ${unit.where} ${only} ${rollupFilter} OFFSET 0) r
            JOIN (VALUES ${values(mine)}) AS p(seg, sign, lo, hi) ON r.bucket >= p.lo AND r.bucket < p.hi
            ${unit.viaTrackingIds ? sql`JOIN tracking_ids t ON t.tracking_id = r.tracking_id COLLATE "default" AND t.organisation_id = r.organisation_id AND t.verified` : sql``}`);
      }
    }
  }
  if (buckets.length > 0) {
    // Lines above the horizon, in the buckets read, with the sign of each.
    branches.push(sql`
      SELECT x.seg, e.influencer_id, e.tracking_id, e.currency, ${rawDims} ${rawMeasures}
        FROM ledger_entries e
        JOIN (VALUES ${values(buckets)}) AS x(seg, sign, lo, hi) ON e.occurred_at >= x.lo AND e.occurred_at < x.hi
       WHERE e.id > ${s.horizon}::bigint AND e.influencer_id = ANY(${infl}::bigint[]) ${rawFilter}`);
  }
  if (raws.length > 0) {
    branches.push(sql`
      SELECT x.seg, e.influencer_id, e.tracking_id, e.currency, ${rawDims} ${rawMeasures}
        FROM (SELECT * FROM ledger_entries e WHERE e.influencer_id = ANY(${infl}::bigint[]) AND (${ranges(sql`e.occurred_at`, raws)}) ${rawFilter} OFFSET 0) e
        JOIN (VALUES ${values(raws)}) AS x(seg, sign, lo, hi) ON e.occurred_at >= x.lo AND e.occurred_at < x.hi`);
  }
  return branches;
}

/** The branches as one subquery (an empty one of the same shape when there are none). */
function union(branches: RawBuilder<unknown>[], measures: Measures, products: boolean): RawBuilder<unknown> {
  if (branches.length > 0) return sql.join(branches, sql` UNION ALL `);
  const empty = sql.join(Object.keys(measures).map((n) => sql`NULL::bigint AS ${sql.id(n)}`));
  const dims = products ? sql`NULL::text AS asin, NULL::bigint AS link_id, NULL::text AS product_name,` : sql``;
  return sql`SELECT NULL::int AS seg, NULL::bigint AS influencer_id, NULL::text AS tracking_id, NULL::char(3) AS currency, ${dims} ${empty} WHERE false`;
}

/** Tracking ID rows of lines unattributed when rolled up, for the scope's tracking IDs that have any. */
const unattributedUnit = (s: LedgerSnapshot, owners?: number[]): Unit[] => {
  if (s.unattributedTrackingIds.length === 0) return [];
  const where = sql`r.organisation_id = ${s.organisationId}::bigint AND r.tracking_id = ANY(${s.unattributedTrackingIds}::text[]) AND r.influencer_id IS NULL`;
  return [
    {
      where: owners
        ? sql`${where} AND r.tracking_id IN (SELECT tracking_id FROM tracking_ids WHERE influencer_id = ANY(${owners}::bigint[]) AND verified)`
        : where,
      owner: sql`t.influencer_id`,
      viaTrackingIds: true,
    },
  ];
};

/** Rows (seg, influencer_id, tracking_id, currency, …TOTAL_MEASURES) to be summed per segment. */
export function totalsSource(s: LedgerSnapshot, segments: readonly TimeRange[]): RawBuilder<unknown> {
  const branches = source(s, segments, {
    table: 'earnings_rollups',
    grains: TOTAL_GRAINS,
    cost: TOTAL_COST,
    measures: TOTAL_MEASURES,
    influencers: s.influencers,
    trackingOf: sql`r.tracking_id`,
    products: false,
    units: [{ where: sql`r.influencer_id = ANY(${s.influencers}::bigint[])`, owner: sql`r.influencer_id` }, ...unattributedUnit(s)],
  });
  return union(branches, TOTAL_MEASURES, false);
}

/**
 * Rows (seg, influencer_id, tracking_id, currency, …TOTAL_MEASURES) for an organisation as a whole: its own rows
 * (influencer_id and tracking_id null), which go down to hours, so local days of any whole-hour zone need no raw lines.
 */
export function organisationTotalsSource(s: LedgerSnapshot, segments: readonly TimeRange[]): RawBuilder<unknown> {
  if (!('organisationId' in s.scope)) return totalsSource(s, segments);
  const branches = source(s, segments, {
    table: 'earnings_rollups',
    grains: ORG_TOTAL_GRAINS,
    cost: ORG_TOTAL_COST,
    measures: TOTAL_MEASURES,
    influencers: s.influencers,
    trackingOf: sql`r.tracking_id`,
    products: false,
    units: [
      { where: sql`r.organisation_id = ${s.scope.organisationId}::bigint AND r.tracking_id IS NULL AND r.influencer_id IS NULL`, owner: sql`NULL::bigint` },
      ...unattributedUnit(s),
    ],
  });
  return union(branches, TOTAL_MEASURES, false);
}

/**
 * Rows (seg, influencer_id, tracking_id, currency, asin, link_id, product_name, …PRODUCT_MEASURES) of lines with an
 * ASIN or a link. For an organisation, rollup rows are the organisation's (influencer_id null); for an influencer,
 * the influencer's. With `influencerLevel`, an organisation's are read per influencer too (for counting
 * influencers), and `asins` limits the rows to some products.
 */
export interface ProductsSourceOptions {
  /** Read an organisation per influencer (for counting influencers). */
  influencerLevel?: boolean;
  /** Only these products (a subquery of ASINs). */
  asins?: RawBuilder<unknown>;
  /** Only lines that came through a link. */
  linksOnly?: boolean;
  /** Leave out the organisation's link-less rows of these pieces (the caller reads them itself). */
  holdOut?: Array<{ kind: string; from: number; to: number }>;
}

/** Where an organisation's product rows are, and the pieces a range of them reads (see productRanking.ts). */
export function organisationProductPieces(s: LedgerSnapshot, range: TimeRange) {
  return decompose(range.from, range.to, ORG_PRODUCT_GRAINS, ORG_PRODUCT_COST, s.now, { day: s.recentFrom });
}

export function productsSource(s: LedgerSnapshot, segments: readonly TimeRange[], opts: ProductsSourceOptions = {}): RawBuilder<unknown> {
  const rawOnly = [PRODUCT_LINES, ...(opts.asins ? [sql`e.asin IN (${opts.asins})`] : []), ...(opts.linksOnly ? [sql`e.link_id IS NOT NULL`] : [])];
  const rollupOnly = [...(opts.asins ? [sql`r.asin IN (${opts.asins})`] : []), ...(opts.linksOnly ? [sql`r.link_id IS NOT NULL`] : [])];
  const filters = {
    rawFilter: sql.join(rawOnly, sql` AND `),
    ...(rollupOnly.length ? { rollupFilter: sql.join(rollupOnly, sql` AND `) } : {}),
  };
  const common = { table: 'earnings_product_rollups' as const, measures: PRODUCT_MEASURES, trackingOf: sql`NULL::text`, products: true, ...filters };
  if ('organisationId' in s.scope && !opts.influencerLevel) {
    const org = s.scope.organisationId;
    return union(
      source(s, segments, {
        ...common,
        grains: ORG_PRODUCT_GRAINS,
        cost: ORG_PRODUCT_COST,
        available: { day: s.recentFrom },
        influencers: s.influencers,
        units: [
          {
            where: sql`r.organisation_id = ${org}::bigint AND r.influencer_id IS NULL AND r.tracking_id IS NULL`,
            owner: sql`NULL::bigint`,
            ...(opts.holdOut ? { heldPieces: opts.holdOut } : {}),
          },
          ...unattributedUnit(s),
        ],
      }),
      PRODUCT_MEASURES,
      true,
    );
  }
  // Dense influencers have day rows from recent_from on, month and year rows for all history and all-time rows; the
  // others month rows from recent_from on.
  const dense = new Set(s.denseInfluencers);
  const groups = [
    { influencers: s.influencers.filter((i) => dense.has(i)), available: { day: s.recentFrom } },
    { influencers: s.influencers.filter((i) => !dense.has(i)), available: { day: Infinity, month: s.recentFrom, year: Infinity, all: Infinity } },
  ];
  return union(
    groups.flatMap((g) =>
      source(s, segments, {
        ...common,
        grains: INFLUENCER_PRODUCT_GRAINS,
        cost: INFLUENCER_PRODUCT_COST,
        available: g.available,
        influencers: g.influencers,
        units: [
          {
            where: sql`r.organisation_id IS NULL AND r.influencer_id = ANY(${g.influencers}::bigint[]) AND r.tracking_id IS NULL`,
            owner: sql`r.influencer_id`,
          },
          ...unattributedUnit(s, g.influencers),
        ],
      }),
    ),
    PRODUCT_MEASURES,
    true,
  );
}
