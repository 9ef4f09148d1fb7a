// Every click figure (/earnings, the digest and its warnings, App Home, link lists) is read here: exact counts per
// influencer and kind, or per link (unique clicks), over any half-open time ranges, from the click rollups plus the
// clicks they do not cover.
//
// A range becomes a signed sum of UTC buckets (../earnings/buckets.ts: month to date is the month's row minus a few
// hours). What falls inside an hour is read from the hour row's quarter counts (clicks in its first 15, 30, 45
// minutes): local midnights of every zone in use are whole quarter hours after a UTC hour (+5:30, +5:45, +12:45),
// so local days are exact from the rollups alone, even for months whose raw clicks are dropped. Only an end that is
// no quarter hour (an arbitrary instant) reads that part of its hour from clicks. Clicks above the rollup horizon
// are added from clicks for every rollup piece. One statement, so the horizon and the rollups are one snapshot.
//
// Organisation figures as a whole (team /earnings, the digest's chart) read the organisation's own rows, which have
// hours for all history. Influencer and link rows have hours only from recent_from on and for months whose raw
// clicks are dropped (see clickRollupRefresh.ts): elsewhere an hour piece is read from the raw clicks, which exist
// exactly there, so a +5:45 local day of an old month is exact either way.
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database.ts';
import { inReadSnapshot } from '../common/readSnapshot.ts';
import { ceilTo, decompose, pgInstant, type BucketGrain, type CostModel, type Piece } from '../common/buckets.ts';
import type { EarningsScope, TimeRange } from '../common/scope.ts';

export type ClickScope = EarningsScope;
export type { TimeRange };

export interface KindCounts {
  click: number;
  repeat: number;
  preview: number;
  bot: number;
}

export interface ReadOptions {
  /** Read the raw clicks only (baselines and tests). */
  rollups?: boolean;
  /** The clock, for costing: buckets after it are empty. */
  now?: Date;
}

const GRAINS: readonly BucketGrain[] = ['hour', 'day', 'month', 'year'];
/** Rollup rows are about as many per bucket at any grain; raw clicks are many per hour for a busy creator. */
const COST: CostModel = { rawHour: 200, bucket: { hour: 1, day: 1, month: 1, year: 1, all: 1 } };
const HOUR = 3_600_000;
const QUARTER = 900_000;

/** Rollup rows of `grain` with bucket in [lo, hi), or (part 1-3) the first part × 15 minutes of the hour row at lo. */
interface RollupPiece {
  seg: number;
  sign: number;
  grain: string;
  lo: number;
  hi: number;
  /** 4: the whole row; 1-3: its first 15, 30, 45 minutes (hour rows only). */
  part: number;
}
interface RawPiece {
  seg: number;
  sign: number;
  lo: number;
  hi: number;
}

/**
 * Pieces of the segments: rollup rows (with quarter hours of hour rows) and the raw ranges that are left. Hour
 * pieces in an hour `hasHour` says has no rows are read raw.
 */
export function clickPieces(
  segments: readonly TimeRange[],
  now: number,
  rollups = true,
  hasHour: (hour: number) => boolean = () => true,
): { rollup: RollupPiece[]; raw: RawPiece[] } {
  const rollup: RollupPiece[] = [];
  const raw: RawPiece[] = [];
  segments.forEach((s, seg) => {
    if (!rollups) {
      const lo = s.from ? s.from.getTime() : -Infinity;
      const hi = s.to ? s.to.getTime() : Infinity;
      if (lo < hi) raw.push({ seg, sign: 1, lo, hi });
      return;
    }
    for (const p of decompose(s.from, s.to, GRAINS, COST, now)) {
      if (p.kind === 'hour') {
        for (const q of withinHours(p)) {
          if (hasHour(q.from)) rollup.push({ seg, sign: p.sign, grain: 'hour', lo: q.from, hi: q.to, part: 4 });
          else raw.push({ seg, sign: p.sign, lo: q.from, hi: q.to });
        }
      } else if (p.kind !== 'raw') rollup.push({ seg, sign: p.sign, grain: p.kind, lo: p.from, hi: p.to, part: 4 });
      else
        for (const q of withinHours(p)) {
          if (hasHour(Math.floor(q.from / HOUR) * HOUR)) quarters(seg, q, rollup, raw);
          else raw.push({ seg, sign: q.sign, lo: q.from, hi: q.to });
        }
    }
  });
  return { rollup: mergeHours(rollup), raw: mergeRaw(raw) };
}

/** Adjacent whole-hour pieces of one segment and sign as one range (fewer index look-ups). */
function mergeHours(pieces: RollupPiece[]): RollupPiece[] {
  const out: RollupPiece[] = [];
  for (const p of pieces) {
    const last = out[out.length - 1];
    if (
      last &&
      last.grain === 'hour' &&
      p.grain === 'hour' &&
      last.part === 4 &&
      p.part === 4 &&
      last.seg === p.seg &&
      last.sign === p.sign &&
      last.hi === p.lo
    )
      last.hi = p.hi;
    else out.push({ ...p });
  }
  return out;
}

/** Adjacent raw ranges of one segment and sign as one. */
function mergeRaw(pieces: RawPiece[]): RawPiece[] {
  const out: RawPiece[] = [];
  for (const p of pieces) {
    const last = out[out.length - 1];
    if (last && last.seg === p.seg && last.sign === p.sign && last.hi === p.lo) last.hi = p.hi;
    else out.push({ ...p });
  }
  return out;
}

/** A raw piece cut at hour boundaries (decompose only leaves raw ranges of under two hours). */
function withinHours(p: Piece): Piece[] {
  const out: Piece[] = [];
  for (let a = p.from; a < p.to;) {
    const b = Math.min(p.to, Math.floor(a / HOUR) * HOUR + HOUR);
    out.push({ ...p, from: a, to: b });
    a = b;
  }
  return out;
}

/** [a, b) inside one hour: the difference of two prefixes of its row when both ends are quarter hours, else raw. */
function quarters(seg: number, p: Piece, rollup: RollupPiece[], raw: RawPiece[]): void {
  const hour = Math.floor(p.from / HOUR) * HOUR;
  const qa = (p.from - hour) / QUARTER;
  const qb = (p.to - hour) / QUARTER;
  if (!Number.isInteger(qa) || !Number.isInteger(qb)) {
    raw.push({ seg, sign: p.sign, lo: p.from, hi: p.to });
    return;
  }
  if (qb > 0) rollup.push({ seg, sign: p.sign, grain: 'hour', lo: hour, hi: hour + qb * QUARTER, part: qb });
  if (qa > 0) rollup.push({ seg, sign: -p.sign, grain: 'hour', lo: hour, hi: hour + qa * QUARTER, part: qa });
}

const KINDS = [
  ['click', 'clicks'],
  ['repeat', 'repeats'],
  ['preview', 'previews'],
  ['bot', 'bots'],
] as const;

/** What one read sees: the horizon, where hour rows are and the scope's influencers, read first in the same snapshot. */
export interface ClickSnapshot {
  horizon: number;
  influencers: number[];
  /** The scope's organisation (for an influencer scope, its influencer's). */
  organisationId: number | null;
  rollups: boolean;
  now: number;
  /** Influencer and link rows by hour exist from here on (epoch ms), and in fineMonths. */
  recentFrom: number;
  fineMonths: ReadonlySet<number>;
  /** Every click rollup row carries its organisation (the background fill is done), so rows can be read by it. */
  organisationsFilled: boolean;
}

/** Whether influencer and link hour rows exist for the hour starting at `hour`. */
export function hasHourRows(s: ClickSnapshot, hour: number): boolean {
  if (hour >= s.recentFrom) return true;
  const d = new Date(hour);
  return s.fineMonths.has(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

/**
 * Runs `read` in a REPEATABLE READ transaction (or the caller's) after reading the horizon and the scope's
 * influencers, so they go to Postgres as literals: it then reads the clicks above the horizon through the id index,
 * which it would not risk for a horizon it could not see. JIT is off: these are many small index scans.
 */
export async function readClicks<T>(db: Db, scope: ClickScope, opts: ReadOptions, read: (conn: Db, s: ClickSnapshot) => Promise<T>): Promise<T> {
  const run = async (conn: Db, jitOff: boolean) => {
    const who = 'influencerId' in scope ? sql`id = ${scope.influencerId}::bigint` : sql`organisation_id = ${scope.organisationId}::bigint`;
    const row = (
      await sql<{
        horizon: string | null;
        recent_from: Date | string | null;
        fine: Array<Date | string> | null;
        influencers: Array<string | number>;
        organisation_id: string | null;
        filled: boolean | null;
      }>`
        SELECT ${jitOff ? sql`set_config('jit', 'off', true) AS jit,` : sql``}
               s.horizon, s.recent_from, ARRAY(SELECT month FROM click_fine_months) AS fine,
               ARRAY(SELECT id FROM influencers WHERE ${who} ORDER BY id) AS influencers,
               (SELECT done_at IS NOT NULL FROM click_organisation_fill WHERE id = 1) AS filled,
               ${'influencerId' in scope ? sql`(SELECT organisation_id FROM influencers WHERE id = ${scope.influencerId}::bigint)` : sql`${scope.organisationId}::bigint`} AS organisation_id
          FROM (SELECT 1) one LEFT JOIN click_rollup_state s ON s.id = 1`.execute(conn)
    ).rows[0];
    const recent = row?.recent_from == null ? NaN : new Date(row.recent_from).getTime();
    const s: ClickSnapshot = {
      horizon: Number(row?.horizon ?? 0),
      influencers: (row?.influencers ?? []).map(Number),
      organisationId: row?.organisation_id == null ? null : Number(row.organisation_id),
      rollups: opts.rollups !== false && row?.horizon != null,
      now: (opts.now ?? new Date()).getTime(),
      recentFrom: Number.isNaN(recent) ? -Infinity : recent,
      fineMonths: new Set((row?.fine ?? []).map((m) => new Date(m).getTime())),
      organisationsFilled: row?.filled === true,
    };
    return read(conn, s);
  };
  return inReadSnapshot(db, run);
}

export interface SourceOptions {
  /** Unique clicks per link instead of every kind per influencer. */
  links?: boolean;
  /** The organisation's own rows (every kind, as one). */
  organisation?: boolean;
  /** Only the links of this relation (a link_id column), each read by key: unique clicks per link. */
  of?: RawBuilder<unknown>;
}

/**
 * A rollup piece as key look-ups: its buckets that have begun by now one by one, and the rest (empty unless clicks
 * carry times after the clock) as a range; the whole piece as a range when it has too many buckets to list.
 */
function keyedPiece(p: RollupPiece, now: number): { buckets: number[]; rest?: RollupPiece } {
  if (p.grain === 'all') return { buckets: [-Infinity] };
  if (!Number.isFinite(p.lo) || !Number.isFinite(p.hi)) return { buckets: [], rest: p };
  const buckets: number[] = [];
  let t = p.lo;
  for (; t < p.hi && t <= now; t = ceilTo(p.grain as BucketGrain, t + 1)) {
    if (buckets.length === MAX_KEYED_BUCKETS) return { buckets: [], rest: p };
    buckets.push(t);
  }
  return t < p.hi ? { buckets, rest: { ...p, lo: t } } : { buckets };
}
/** Buckets of one piece looked up by key at most; a longer piece is read as a range. */
const MAX_KEYED_BUCKETS = 64;

/**
 * Rows (seg, influencer_id, link_id, click, repeat, preview, bot) whose sums per segment are the clicks in that
 * segment: per influencer (link_id null) for every kind, or per link for unique clicks (`links`).
 */
export function clickSource(s: ClickSnapshot, segments: readonly TimeRange[], opts: SourceOptions = {}): RawBuilder<unknown> {
  // The organisation's own rows have every hour; influencer and link rows only some (see the header).
  const org = opts.organisation === true && opts.of === undefined && s.organisationId !== null;
  const { rollup, raw } = clickPieces(segments, s.now, s.rollups, org ? undefined : (h) => hasHourRows(s, h));

  const infl = sql`${s.influencers}::bigint[]`;
  const of = opts.of;
  const links = opts.links === true || of !== undefined;
  const branches: RawBuilder<unknown>[] = [];
  const rawMeasures = sql.join(
    KINDS.map(([k]) => (links && k !== 'click' ? sql`0::bigint AS ${sql.id(k)}` : sql`(c.kind = ${k})::int * x.sign AS ${sql.id(k)}`)),
  );
  const kindFilter = links ? sql`AND c.kind = 'click'` : sql``;
  const linkOf = links ? sql`c.link_id` : sql`NULL::bigint`;
  const scopeLinks = of ? sql`(SELECT link_id FROM ${of})` : sql`(SELECT id FROM links WHERE influencer_id = ANY(${infl}))`;
  const part = (m: string) =>
    sql`CASE x.part WHEN 4 THEN r.${sql.id(m)} WHEN 1 THEN r.${sql.id(`${m}_q1`)} WHEN 2 THEN r.${sql.id(`${m}_q2`)} ELSE r.${sql.id(`${m}_q3`)} END`;
  const noOtherKinds = sql`0::bigint AS repeat, 0::bigint AS preview, 0::bigint AS bot`;

  if (rollup.length > 0) {
    const values = sql.join(
      rollup.map(
        (p) => sql`(${p.seg}::int, ${p.sign}::int, ${p.grain}::text, ${pgInstant(p.lo)}::timestamptz, ${pgInstant(p.hi)}::timestamptz, ${p.part}::int)`,
      ),
    );
    const measures = sql.join(KINDS.map(([k, m]) => sql`${part(m)} * x.sign AS ${sql.id(k)}`));
    if (of) {
      // A few links: each of their rows is one key look-up (influencer, grain, bucket, link), so a creator's other
      // links are never read; a piece of too many buckets is read as a range of that key instead.
      const split = rollup.map((p) => ({ p, ...keyedPiece(p, s.now) }));
      const keyed = split.flatMap(({ p, buckets }) => buckets.map((b) => ({ ...p, bucket: b })));
      const ranged = split.flatMap(({ rest }) => (rest ? [rest] : []));
      // The given links' rows of the pieces in `values` (columns `x(seg, sign, grain, <cols>, part)`) that `bucket` picks.
      const linkRows = (values: RawBuilder<unknown>[], cols: RawBuilder<unknown>, bucket: RawBuilder<unknown>) => sql`
        SELECT x.seg, k.influencer_id, c.link_id, ${part('clicks')} * x.sign AS click, ${noOtherKinds}
          FROM (SELECT DISTINCT o.link_id FROM ${of} o) c JOIN links k ON k.id = c.link_id
          CROSS JOIN (VALUES ${sql.join(values)}) AS x(seg, sign, grain, ${cols}, part)
          -- OFFSET 0: looked up per link, never a scan of every link's rows of the bucket.
          CROSS JOIN LATERAL (
            SELECT r.clicks, r.clicks_q1, r.clicks_q2, r.clicks_q3 FROM click_rollups r
             WHERE r.influencer_id = k.influencer_id AND r.grain = x.grain AND ${bucket} AND r.link_id = c.link_id OFFSET 0) r`;
      const head = (p: RollupPiece) => sql`${p.seg}::int, ${p.sign}::int, ${p.grain}::text`;
      if (keyed.length > 0)
        branches.push(
          linkRows(
            keyed.map((p) => sql`(${head(p)}, ${pgInstant(p.bucket)}::timestamptz, ${p.part}::int)`),
            sql`bucket`,
            sql`r.bucket = x.bucket`,
          ),
        );
      if (ranged.length > 0)
        branches.push(
          linkRows(
            ranged.map((p) => sql`(${head(p)}, ${pgInstant(p.lo)}::timestamptz, ${pgInstant(p.hi)}::timestamptz, ${p.part}::int)`),
            sql`lo, hi`,
            sql`r.bucket >= x.lo AND r.bucket < x.hi`,
          ),
        );
    } else if (org) {
      branches.push(sql`
        SELECT x.seg, NULL::bigint AS influencer_id, NULL::bigint AS link_id, ${measures}
          FROM (VALUES ${values}) AS x(seg, sign, grain, lo, hi, part)
          CROSS JOIN LATERAL (
            SELECT * FROM click_org_rollups r
             WHERE r.organisation_id = ${s.organisationId}::bigint AND r.grain = x.grain AND r.bucket >= x.lo AND r.bucket < x.hi) r`);
    } else {
      branches.push(sql`
        SELECT x.seg, r.influencer_id, r.link_id, ${measures}
          FROM (VALUES ${values}) AS x(seg, sign, grain, lo, hi, part)
          -- One index range scan per piece (OFFSET 0 keeps it a lateral scan, not a hash join over the whole table).
          CROSS JOIN LATERAL (
            SELECT ${links ? sql`r.influencer_id, r.link_id, r.clicks, r.clicks_q1, r.clicks_q2, r.clicks_q3, 0::bigint AS repeats, 0::bigint AS repeats_q1, 0::bigint AS repeats_q2, 0::bigint AS repeats_q3, 0::bigint AS previews, 0::bigint AS previews_q1, 0::bigint AS previews_q2, 0::bigint AS previews_q3, 0::bigint AS bots, 0::bigint AS bots_q1, 0::bigint AS bots_q2, 0::bigint AS bots_q3` : sql`*`}
              FROM click_rollups r
             WHERE r.influencer_id = ANY(${infl}) AND r.grain = x.grain AND r.bucket >= x.lo AND r.bucket < x.hi
               AND ${links ? sql`r.link_id IS NOT NULL` : sql`r.link_id IS NULL`} OFFSET 0) r`);
    }
    // Clicks above the horizon, in the time each rollup piece stands for.
    const since = Math.min(...rollup.map((p) => p.lo));
    branches.push(sql`
      SELECT x.seg, k.influencer_id, ${linkOf}, ${rawMeasures}
        FROM (SELECT * FROM clicks c
               WHERE c.id > ${s.horizon}::bigint AND c.link_id IN ${scopeLinks} ${kindFilter}
                 ${since > -Infinity ? sql`AND c.clicked_at >= ${pgInstant(since)}::timestamptz` : sql``} OFFSET 0) c
        JOIN links k ON k.id = c.link_id
        JOIN (VALUES ${values}) AS x(seg, sign, grain, lo, hi, part) ON c.clicked_at >= x.lo AND c.clicked_at < x.hi`);
  }
  if (raw.length > 0) {
    // Literal ranges, so Postgres prunes partitions and reads each link's clicks through its (link, time) index.
    const uniq = [...new Map(raw.map((r) => [`${r.lo}|${r.hi}`, r])).values()];
    const ranges = sql.join(
      uniq.map((r) => sql`(c.clicked_at >= ${pgInstant(r.lo)}::timestamptz AND c.clicked_at < ${pgInstant(r.hi)}::timestamptz)`),
      sql` OR `,
    );
    const values = sql.join(raw.map((r) => sql`(${r.seg}::int, ${r.sign}::int, ${pgInstant(r.lo)}::timestamptz, ${pgInstant(r.hi)}::timestamptz)`));
    branches.push(sql`
      SELECT x.seg, k.influencer_id, ${linkOf}, ${rawMeasures}
        FROM (SELECT * FROM clicks c WHERE c.link_id IN ${scopeLinks} AND (${ranges}) ${kindFilter} OFFSET 0) c
        JOIN links k ON k.id = c.link_id
        JOIN (VALUES ${values}) AS x(seg, sign, lo, hi) ON c.clicked_at >= x.lo AND c.clicked_at < x.hi`);
  }
  if (branches.length === 0 || s.influencers.length === 0)
    return sql`SELECT NULL::int AS seg, NULL::bigint AS influencer_id, NULL::bigint AS link_id, 0::bigint AS click, 0::bigint AS repeat, 0::bigint AS preview, 0::bigint AS bot WHERE false`;
  return sql.join(branches, sql` UNION ALL `);
}

const n = (v: unknown) => Number(v ?? 0);

/** Clicks by kind per segment and influencer (influencers with none are left out). */
export async function clickKindCounts(
  db: Db,
  scope: ClickScope,
  segments: readonly TimeRange[],
  opts: ReadOptions = {},
): Promise<Array<{ seg: number; influencerId: number } & KindCounts>> {
  const rows = await readClicks(db, scope, opts, (conn, s) =>
    sql<{ seg: number; influencer_id: string; click: string; repeat: string; preview: string; bot: string }>`
      SELECT u.seg, u.influencer_id, sum(u.click)::bigint AS click, sum(u.repeat)::bigint AS repeat, sum(u.preview)::bigint AS preview, sum(u.bot)::bigint AS bot
        FROM (${clickSource(s, segments)}) u
       GROUP BY 1, 2
      HAVING sum(u.click) <> 0 OR sum(u.repeat) <> 0 OR sum(u.preview) <> 0 OR sum(u.bot) <> 0
       ORDER BY 1, 2`.execute(conn),
  );
  return rows.rows.map((r) => ({ seg: r.seg, influencerId: n(r.influencer_id), click: n(r.click), repeat: n(r.repeat), preview: n(r.preview), bot: n(r.bot) }));
}

/**
 * Clicks by kind per segment for the organisation as a whole, from its own rows (one row per bucket, not one per
 * influencer); every segment is there, with zeros when it has none.
 */
export async function organisationClickCounts(
  db: Db,
  organisationId: number,
  segments: readonly TimeRange[],
  opts: ReadOptions = {},
): Promise<Array<{ seg: number } & KindCounts>> {
  const rows = await readClicks(db, { organisationId }, opts, (conn, s) =>
    sql<{ seg: number; click: string; repeat: string; preview: string; bot: string }>`
      SELECT u.seg, sum(u.click)::bigint AS click, sum(u.repeat)::bigint AS repeat, sum(u.preview)::bigint AS preview, sum(u.bot)::bigint AS bot
        FROM (${clickSource(s, segments, { organisation: true })}) u
       GROUP BY 1`.execute(conn),
  );
  const by = new Map(rows.rows.map((r) => [r.seg, r]));
  return segments.map((_, seg) => {
    const r = by.get(seg);
    return { seg, click: n(r?.click), repeat: n(r?.repeat), preview: n(r?.preview), bot: n(r?.bot) };
  });
}

/** Clicks by kind over one range, for the scope as a whole. */
export async function clickTotals(db: Db, scope: ClickScope, range: TimeRange, opts: ReadOptions = {}): Promise<KindCounts> {
  if ('organisationId' in scope) {
    const { seg: _seg, ...k } = (await organisationClickCounts(db, scope.organisationId, [range], opts))[0]!;
    return k;
  }
  const out = { click: 0, repeat: 0, preview: 0, bot: 0 };
  for (const r of await clickKindCounts(db, scope, [range], opts)) for (const k of ['click', 'repeat', 'preview', 'bot'] as const) out[k] += r[k];
  return out;
}

/** Unique clicks per link over one range (links with none are left out). */
export async function linkClicks(db: Db, scope: ClickScope, range: TimeRange, opts: ReadOptions = {}): Promise<Map<number, number>> {
  const rows = await readClicks(db, scope, opts, (conn, s) =>
    sql<{ link_id: string; clicks: string }>`
      SELECT u.link_id, sum(u.click)::bigint AS clicks FROM (${clickSource(s, [range], { links: true })}) u
       GROUP BY 1 HAVING sum(u.click) <> 0`.execute(conn),
  );
  return new Map(rows.rows.map((r) => [n(r.link_id), n(r.clicks)]));
}
