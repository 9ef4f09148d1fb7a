// How a half-open time range [from, to) becomes a signed sum of rollup buckets and raw ledger ranges.
//
// sum[from, to) = S(from) − S(to), where S(t) = sum[t, ∞) is built upwards from t: at each grain, either the finer
// pieces up to the next bucket boundary ("up"), or that whole bucket minus the finer pieces before t ("down").
// The part below the finest grain is read from the ledger itself (raw). Whichever is cheaper is taken, by a rough
// cost model (buckets in the future are empty, so "up" to a future boundary is free). Identical pieces of opposite
// sign cancel, so month to date is typically the month's bucket minus a few raw hours, and year to date the year's
// bucket minus a few raw hours. Periods start and end at local midnights, which in zones such as India (+5:30) or
// Nepal (+5:45) fall inside a UTC hour: raw ranges take any instant, so every result is exact.
import type { RollupGrain } from '../../db/schema.ts';

export type { RollupGrain };

/** Buckets in ascending size, below 'all' (one bucket for all time). */
export type BucketGrain = Exclude<RollupGrain, 'all'>;

/**
 * sign × (the rollup rows of `kind` whose bucket starts in [from, to)), or sign × (the ledger lines with
 * occurred_at in [from, to)) for kind 'raw'. Bucket ranges start and end at boundaries of their grain, so the
 * lines they hold are exactly those with occurred_at in [from, to). ±Infinity for unbounded ends.
 */
export interface Piece {
  sign: number;
  kind: RollupGrain | 'raw';
  from: number;
  to: number;
}

/** An epoch-ms instant as a timestamptz literal; ±Infinity as Postgres's own infinities (unbounded ranges). */
export const pgInstant = (t: number) => (t === -Infinity ? '-infinity' : t === Infinity ? 'infinity' : new Date(t).toISOString());

/**
 * Whole buckets a ranking reads in order of their figure at most (the days of a partial month, and a few coarser
 * ones): past this, the top products and the most-clicked links are summed over everything instead.
 */
export const MAX_HELD_BUCKETS = 40;

/** Rough relative cost of reading one raw hour and one bucket of each grain, for choosing between decompositions. */
export interface CostModel {
  rawHour: number;
  bucket: Partial<Record<RollupGrain, number>>;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** How far back data is assumed to reach, for costing unbounded ranges. */
const HISTORY = 5 * 366 * DAY;

/** The start of the bucket of `grain` holding instant `t` (epoch ms, UTC). */
export function floorTo(grain: BucketGrain, t: number): number {
  if (!Number.isFinite(t)) return t;
  if (grain === 'hour') return Math.floor(t / HOUR) * HOUR;
  if (grain === 'day') return Math.floor(t / DAY) * DAY;
  const d = new Date(t);
  return grain === 'month' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) : Date.UTC(d.getUTCFullYear(), 0, 1);
}

/** The first bucket start of `grain` at or after `t`. */
export function ceilTo(grain: BucketGrain, t: number): number {
  if (!Number.isFinite(t)) return t;
  const f = floorTo(grain, t);
  if (f === t) return t;
  if (grain === 'hour') return f + HOUR;
  if (grain === 'day') return f + DAY;
  const d = new Date(f);
  return grain === 'month' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) : Date.UTC(d.getUTCFullYear() + 1, 0, 1);
}

/** Bucket starts of `grain` in [from, to). */
function bucketsIn(grain: BucketGrain, from: number, to: number): number {
  let n = 0;
  for (let t = ceilTo(grain, from); t < to; t = ceilTo(grain, t + 1)) n++;
  return n;
}

function cost(kind: RollupGrain | 'raw', from: number, to: number, now: number, model: CostModel): number {
  if (kind === 'all') return model.bucket.all ?? 1;
  // Only the part between the start of history and now holds lines; an empty range still costs a look-up.
  if (kind === 'raw') {
    const lo = Math.max(from, now - HISTORY);
    const hi = Math.min(to, now);
    return lo < hi ? ((hi - lo) / HOUR) * model.rawHour : 0.001;
  }
  const n = bucketsIn(kind, Math.max(from, floorTo(kind, now - HISTORY)), Math.min(to, now));
  return n > 0 ? n * (model.bucket[kind] ?? 1) : 0.001;
}

/** sum[t, ∞) as pieces, over `grains` (ascending, without 'all'). */
function suffix(t: number, grains: readonly BucketGrain[], now: number, model: CostModel): Piece[] {
  if (t === -Infinity) return [{ sign: 1, kind: 'all', from: -Infinity, to: Infinity }];
  const out: Piece[] = [];
  let cur = t;
  let finer: BucketGrain | 'raw' = 'raw';
  for (const g of grains) {
    const lo = floorTo(g, cur);
    const hi = ceilTo(g, cur);
    if (lo !== cur) {
      const up = cost(finer, cur, hi, now, model);
      const down = cost(g, lo, hi, now, model) + cost(finer, lo, cur, now, model);
      if (up <= down) out.push({ sign: 1, kind: finer, from: cur, to: hi });
      else out.push({ sign: 1, kind: g, from: lo, to: hi }, { sign: -1, kind: finer, from: lo, to: cur });
      cur = hi;
    }
    finer = g;
  }
  out.push({ sign: 1, kind: finer, from: cur, to: Infinity });
  return out;
}

/** Sums the signs of overlapping pieces of one kind into maximal ranges of constant, non-zero sign. */
function canonical(pieces: Piece[]): Piece[] {
  const out: Piece[] = [];
  const kinds = [...new Set(pieces.map((p) => p.kind))];
  for (const kind of kinds) {
    const mine = pieces.filter((p) => p.kind === kind);
    const points = [...new Set(mine.flatMap((p) => [p.from, p.to]))].sort((a, b) => a - b);
    let open: Piece | undefined;
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i]!;
      const b = points[i + 1]!;
      const sign = mine.reduce((s, p) => (p.from <= a && b <= p.to ? s + p.sign : s), 0);
      if (open && open.sign === sign && open.to === a) open.to = b;
      else {
        if (open && open.sign !== 0) out.push(open);
        open = { sign, kind, from: a, to: b };
      }
    }
    if (open && open.sign !== 0) out.push(open);
  }
  return out;
}

/**
 * Where rollup rows exist: buckets of a grain starting at or after the instant given (missing: all of them; 'all' is
 * either there (-Infinity) or not (Infinity)).
 */
export type Availability = Partial<Record<RollupGrain, number>>;

/** Replaces the part of a bucket range with no rows by finer pieces (down to raw ledger ranges). */
function available(p: Piece, grains: readonly BucketGrain[], avail: Availability): Piece[] {
  if (p.kind === 'raw') return [p];
  const since = avail[p.kind] ?? -Infinity;
  if (p.from >= since) return [p];
  const order: Array<RollupGrain | 'raw'> = ['raw', ...grains, 'all'];
  const finer = order[order.indexOf(p.kind) - 1] ?? 'raw';
  const cut = Math.min(p.to, since);
  const out = available({ sign: p.sign, kind: finer, from: p.from, to: cut }, grains, avail);
  if (cut < p.to) out.push({ ...p, from: cut });
  return out;
}

/**
 * sum[from, to) (null = unbounded) as signed pieces over `grains` (ascending, without 'all', which is always
 * there unless `avail` says otherwise); pieces where `avail` has no rows are read finer, down to raw.
 */
export function decompose(
  from: Date | null,
  to: Date | null,
  grains: readonly BucketGrain[],
  model: CostModel,
  now = Date.now(),
  avail: Availability = {},
): Piece[] {
  const lo = from ? from.getTime() : -Infinity;
  const hi = to ? to.getTime() : Infinity;
  if (!(lo < hi)) return [];
  const plus = suffix(lo, grains, now, model);
  const minus = hi === Infinity ? [] : suffix(hi, grains, now, model).map((p) => ({ ...p, sign: -p.sign }));
  return canonical(canonical([...plus, ...minus]).flatMap((p) => available(p, grains, avail)));
}
