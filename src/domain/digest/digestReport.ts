// The content of a manager's daily digest, as plain data: yesterday and month to date per influencer of the
// organisation, comparisons, top products and links, unattributed tracking IDs, the 30-day series for the
// chart and the warnings a manager acts on. Money is integer minor units per currency, never a float.
//
// Definitions (the digest card, the CSV and the tests rely on them):
// - Days are local calendar days in the manager's time zone: "yesterday" runs from local midnight to local
//   midnight (23 or 25 hours across a daylight-saving change); month to date runs from the first of
//   yesterday's month to the end of yesterday.
// - confirmed: Ad Fees of shipped items plus fixed bounties (`bounty` says how much of it is bounties).
//   pending: live estimates, i.e. pending lines net of the release lines that undo them once a shipment
//   confirmed the order (and of lines that vanished from a re-issued report). reversed: returns and
//   vanished confirmed lines, negative as in the ledger. Each by ledger `occurred_at` (order time for
//   pending, ship time for confirmed).
// - clicks: unique human clicks (kind `click`); repeats, previews (chat unfurls) and bots are counted apart.
// - orders: items ordered, from the orders feed and order postbacks (pending lines that are not releases,
//   so a cancellation or a vanished order line takes its items off). An influencer whose feeds carry no
//   order lines in a window (earnings reports only) counts the items shipped in that window instead.
// - conversion: orders per click, kept as integer counts plus basis points (orders × 10000 / clicks,
//   rounded); null when there were no clicks.
import { CronExpressionParser } from 'cron-parser';
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { TimeRange } from '../common/scope.ts';
import { organisationTotalsSource, productsSource, readLedger, totalsSource } from '../earnings/ledgerSums.ts';
import { topProducts } from '../earnings/productRanking.ts';
import { unavailableProducts, type UnavailableProducts } from '../catalogue/linkHealth.ts';
import { clickKindCounts, organisationClickCounts } from '../clicks/clickCounts.ts';
import { topClickedLinks, type RankedLink } from '../clicks/linkRanking.ts';
import { addDays, isTimeZone, localDate, zonedTime } from '../common/time.ts';

/** Yesterday's clicks at least this many times the trailing 7-day daily average … */
export const CLICK_SPIKE_FACTOR = 3;
/** … and at least this many clicks, with no order, is a suspected fake-traffic spike. */
export const CLICK_SPIKE_MIN_CLICKS = 20;
/** Days before yesterday that make the baseline of a click spike. */
export const CLICK_SPIKE_BASELINE_DAYS = 7;
/** Repeats plus bots above this share (percent) of yesterday's clicks + repeats + bots … */
export const LOW_QUALITY_SHARE_PERCENT = 40;
/** … when there were at least this many of them. */
export const LOW_QUALITY_MIN_CLICKS = 20;
/** Month-to-date return rate at least this many times the previous month's … */
export const RETURN_RATE_JUMP_FACTOR = 2;
/** … with at least this many returned items month to date. */
export const RETURN_RATE_MIN_RETURNS = 5;
/** A scheduled pull may take this long before its feed counts as missing. */
export const FEED_LATE_GRACE_MS = 60 * 60 * 1000;
/** Unregistered tracking IDs seen in ingests this many days back are listed. */
export const UNATTRIBUTED_LOOKBACK_DAYS = 30;
/** At most this many unattributed tracking IDs are listed. */
export const UNATTRIBUTED_MAX = 50;
/** Days in the chart series, ending with yesterday. */
export const SERIES_DAYS = 30;
/** Top products and top links, unless the caller asks for another number. */
export const DEFAULT_TOP_N = 5;

export interface MoneyFigures {
  /** Ad Fees plus bounties. */
  confirmed: number;
  /** Live estimates: pending lines net of releases. */
  pending: number;
  /** Returns and vanished lines, negative. */
  reversed: number;
  /** The part of `confirmed` that is fixed bounties. */
  bounty: number;
}

export interface CurrencyFigures {
  currency: string;
  yesterday: MoneyFigures;
  monthToDate: MoneyFigures;
  /** Confirmed (with bounties) the day before yesterday, and on the same weekday a week before yesterday. */
  dayBeforeConfirmed: number;
  weekAgoConfirmed: number;
}

export interface ClickCounts {
  clicks: number;
  repeats: number;
  previews: number;
  bots: number;
}

export interface Conversion {
  orders: number;
  clicks: number;
  /** orders × 10000 / clicks, rounded; null without clicks. */
  basisPoints: number | null;
}

export interface Activity extends ClickCounts {
  orders: number;
  /** Whether `orders` counts ordered items (true) or, for lack of order lines, shipped items (false). */
  ordersFromOrderLines: boolean;
  itemsShipped: number;
  itemsReturned: number;
  conversion: Conversion;
}

export interface RosterFigures {
  /** One entry per currency with any ledger line in the windows, sorted by currency. */
  money: CurrencyFigures[];
  yesterday: Activity;
  monthToDate: Activity;
  clicksDayBefore: number;
  clicksWeekAgo: number;
  /** Unique clicks in the CLICK_SPIKE_BASELINE_DAYS days before yesterday. */
  clicksBaseline: number;
  /** Items shipped and returned in the previous calendar month. */
  previousMonth: { itemsShipped: number; itemsReturned: number };
}

export interface InfluencerFigures extends RosterFigures {
  influencerId: number;
  handle: string;
  displayName: string;
}

export interface TopProduct {
  asin: string;
  name: string | null;
  currency: string;
  /** Month to date: confirmed incl. bounties plus reversals (net), and live pending. */
  confirmed: number;
  pending: number;
  orders: number;
  influencers: number;
}

export interface TopLink extends RankedLink {
  clicksMonthToDate: number;
  clicksYesterday: number;
}

export interface UnattributedTrackingId {
  trackingId: string;
  marketplaces: string[];
  lines: number;
  lastSeenAt: Date;
  /** Commission on those lines per currency (confirmed incl. reversals and bounties, and pending). */
  money: Array<{ currency: string; confirmed: number; pending: number }>;
}

export type DigestWarning =
  | { kind: 'click-spike'; influencerId: number; handle: string; clicks: number; baselineClicks: number; baselineDays: number; orders: number }
  | { kind: 'low-quality-traffic'; influencerId: number; handle: string; clicks: number; repeats: number; bots: number; sharePercent: number }
  | { kind: 'return-rate-jump'; influencerId: number; handle: string; returned: number; shipped: number; previousReturned: number; previousShipped: number }
  | { kind: 'feed-late'; feedSourceId: number; name: string; cron: string; expectedAt: Date; lastSuccessAt: Date | null; lastError: string | null }
  | { kind: 'unavailable-products'; count: number; outOfStock: number; unavailable: number; examples: UnavailableProducts['examples'] };

export interface SeriesDay {
  date: string;
  /** Confirmed commission (with bounties) that day, in `currency`. */
  commissionMinor: number;
  /** Live pending estimates of orders placed that day, in `currency`. */
  pendingMinor: number;
  clicks: number;
}

/** One influencer's confirmed commission (with bounties) per day of the series, in the series' currency. */
export interface InfluencerSeries {
  influencerId: number;
  handle: string;
  /** One amount per day of `series.days`, oldest first. */
  confirmed: number[];
  /** The sum of `confirmed`: the order of the chart's stacks. */
  total: number;
}

export interface DigestReport {
  organisationId: number;
  timezone: string;
  generatedAt: Date;
  /** Local dates: yesterday, the day before, the same weekday a week earlier, and the month's first day. */
  date: string;
  dayBefore: string;
  weekAgo: string;
  monthStart: string;
  /** Instant ranges (inclusive start, exclusive end) behind the figures. */
  windows: { yesterday: { from: Date; to: Date }; monthToDate: { from: Date; to: Date } };
  /** The currency the chart and the ranking use: the one with the most confirmed commission. */
  primaryCurrency: string | null;
  currencies: string[];
  totals: RosterFigures;
  /** Every influencer of the organisation, by month-to-date confirmed (primary currency first, then the others), then clicks, then handle. */
  influencers: InfluencerFigures[];
  topProducts: TopProduct[];
  topLinks: TopLink[];
  unattributed: UnattributedTrackingId[];
  warnings: DigestWarning[];
  /**
   * SERIES_DAYS days ending yesterday, oldest first; `influencers` splits each day's confirmed commission by
   * influencer (those with any confirmed in the window, largest total first).
   */
  series: { currency: string | null; days: SeriesDay[]; influencers: InfluencerSeries[] };
}

export interface BuildDigestOptions {
  timezone: string;
  now?: Date;
  /** How many top products and top links (default DEFAULT_TOP_N). */
  topN?: number;
  /** False reads ledger and click figures from the ledger and clicks alone, ignoring the rollups (checks and benchmarks). */
  rollups?: boolean;
}

const n = (v: unknown) => Number(v ?? 0);

function conversion(orders: number, clicks: number): Conversion {
  return { orders, clicks, basisPoints: clicks > 0 ? Math.round((orders * 10000) / clicks) : null };
}

/**
 * The digest's windows, each a range of local days in the manager's zone: yesterday, month to date (to the end of
 * yesterday), the day before yesterday, the same weekday a week before yesterday, the previous calendar month, and
 * the CLICK_SPIKE_BASELINE_DAYS days before yesterday (the baseline of a click spike).
 */
export type Window = 'yesterday' | 'monthToDate' | 'dayBefore' | 'weekAgo' | 'previousMonth' | 'clickBaseline';
/** The windows ledger figures are read for, and those click counts are read for. */
const LEDGER_WINDOWS = ['yesterday', 'monthToDate', 'dayBefore', 'weekAgo', 'previousMonth'] as const satisfies readonly Window[];
const CLICK_WINDOWS = ['yesterday', 'monthToDate', 'dayBefore', 'weekAgo', 'clickBaseline'] as const satisfies readonly Window[];
type LedgerWindow = (typeof LEDGER_WINDOWS)[number];
type ClickWindow = (typeof CLICK_WINDOWS)[number];
type Range = { from: Date; to: Date };

/** One record per window, each made fresh by `make`. */
function perWindow<W extends Window, T>(windows: readonly W[], make: () => T): Record<W, T> {
  return Object.fromEntries(windows.map((w) => [w, make()])) as Record<W, T>;
}

/** Ledger sums of one window (one influencer or the roster, one currency). */
interface LedgerSums {
  /** Ad Fees plus bounties. */
  confirmed: number;
  bounty: number;
  pending: number;
  reversed: number;
  orderedItems: number;
  orderLines: number;
  shipped: number;
  returned: number;
}

const emptySums = (): LedgerSums => ({ confirmed: 0, bounty: 0, pending: 0, reversed: 0, orderedItems: 0, orderLines: 0, shipped: 0, returned: 0 });

function addSums(into: LedgerSums, from: LedgerSums): void {
  for (const k of Object.keys(into) as Array<keyof LedgerSums>) into[k] += from[k];
}

const moneyOf = (s: LedgerSums): MoneyFigures => ({ confirmed: s.confirmed, pending: s.pending, reversed: s.reversed, bounty: s.bounty });

const emptyClicks = (): ClickCounts => ({ clicks: 0, repeats: 0, previews: 0, bots: 0 });

function addClicks(into: ClickCounts, from: ClickCounts): void {
  for (const k of Object.keys(into) as Array<keyof ClickCounts>) into[k] += from[k];
}

function activity(c: ClickCounts, items: LedgerSums): Activity {
  const fromOrders = items.orderLines > 0;
  const orders = fromOrders ? items.orderedItems : items.shipped;
  return {
    ...c,
    orders,
    ordersFromOrderLines: fromOrders,
    itemsShipped: items.shipped,
    itemsReturned: items.returned,
    conversion: conversion(orders, c.clicks),
  };
}

/** One influencer's ledger figures in one currency, per window. */
interface LedgerRow {
  id: number;
  currency: string;
  windows: Record<LedgerWindow, LedgerSums>;
}

/** One influencer's click counts, per window. */
interface ClickRow {
  id: number;
  windows: Record<ClickWindow, ClickCounts>;
}

/** Accumulates ledger and click rows into the figures of one influencer or of the whole roster. */
class FiguresBuilder {
  private readonly money = new Map<string, Record<LedgerWindow, LedgerSums>>();
  private readonly items = perWindow(LEDGER_WINDOWS, emptySums);
  private readonly clicks = perWindow(CLICK_WINDOWS, emptyClicks);

  addLedger(r: LedgerRow): void {
    let m = this.money.get(r.currency);
    if (!m) this.money.set(r.currency, (m = perWindow(LEDGER_WINDOWS, emptySums)));
    for (const w of LEDGER_WINDOWS) {
      addSums(m[w], r.windows[w]);
      addSums(this.items[w], r.windows[w]);
    }
  }

  addClicks(r: ClickRow): void {
    for (const w of CLICK_WINDOWS) addClicks(this.clicks[w], r.windows[w]);
  }

  build(): RosterFigures {
    const money: CurrencyFigures[] = [...this.money].map(([currency, m]) => ({
      currency,
      yesterday: moneyOf(m.yesterday),
      monthToDate: moneyOf(m.monthToDate),
      dayBeforeConfirmed: m.dayBefore.confirmed,
      weekAgoConfirmed: m.weekAgo.confirmed,
    }));
    return {
      money: money.sort((a, b) => a.currency.localeCompare(b.currency)),
      yesterday: activity(this.clicks.yesterday, this.items.yesterday),
      // Order lines and shipments are counted per influencer, so the roster's total sums each one's choice.
      monthToDate: activity(this.clicks.monthToDate, this.items.monthToDate),
      clicksDayBefore: this.clicks.dayBefore.clicks,
      clicksWeekAgo: this.clicks.weekAgo.clicks,
      clicksBaseline: this.clicks.clickBaseline.clicks,
      previousMonth: { itemsShipped: this.items.previousMonth.shipped, itemsReturned: this.items.previousMonth.returned },
    };
  }
}

function sumActivities(list: Activity[]): Activity {
  const clicks = emptyClicks();
  const items = { orders: 0, itemsShipped: 0, itemsReturned: 0 };
  let anyOrderLines = false;
  for (const a of list) {
    addClicks(clicks, a);
    items.orders += a.orders;
    items.itemsShipped += a.itemsShipped;
    items.itemsReturned += a.itemsReturned;
    anyOrderLines ||= a.ordersFromOrderLines;
  }
  return { ...clicks, ...items, ordersFromOrderLines: anyOrderLines, conversion: conversion(items.orders, clicks.clicks) };
}

function monthStartOf(date: string): string {
  return `${date.slice(0, 8)}01`;
}

function previousMonthStart(monthStart: string): string {
  const [y, m] = monthStart.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12-01` : `${y}-${String(m - 1).padStart(2, '0')}-01`;
}

/** The latest scheduled pull at or before `at` for a cron pattern in UTC, or null for a pattern that does not parse. */
export function previousScheduledPull(cron: string, at: Date): Date | null {
  try {
    return CronExpressionParser.parse(cron, { currentDate: at, tz: 'UTC' }).prev().toDate();
  } catch {
    return null;
  }
}

interface SegmentRow {
  seg: number;
  id: number;
  currency: string;
  conf: number;
  bounty: number;
  pend: number;
  rev: number;
  earned_lines: number;
  ordered: number;
  order_lines: number;
  shipped: number;
  returned: number;
}

/** Elementary segments between every boundary of the ledger's windows: each window is a union of them. */
function windowSegments(ranges: Record<LedgerWindow, Range>): TimeRange[] {
  const bounds = [...new Set(LEDGER_WINDOWS.flatMap((w) => [ranges[w].from.getTime(), ranges[w].to.getTime()]))].sort((a, b) => a - b);
  const segs: TimeRange[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) segs.push({ from: new Date(bounds[i]!), to: new Date(bounds[i + 1]!) });
  return segs;
}

/** Per influencer and currency, the ledger figures of each window, from per-segment sums. */
function ledgerRows(rows: SegmentRow[], segs: TimeRange[], ranges: Record<LedgerWindow, Range>): LedgerRow[] {
  const within = (seg: TimeRange, r: Range) => seg.from!.getTime() >= r.from.getTime() && seg.to!.getTime() <= r.to.getTime();
  const out = new Map<string, LedgerRow>();
  for (const r of rows) {
    const key = `${r.id}|${r.currency}`;
    let row = out.get(key);
    if (!row) out.set(key, (row = { id: n(r.id), currency: r.currency, windows: perWindow(LEDGER_WINDOWS, emptySums) }));
    const sums: LedgerSums = {
      confirmed: n(r.conf),
      bounty: n(r.bounty),
      pending: n(r.pend),
      reversed: n(r.rev),
      orderedItems: n(r.ordered),
      orderLines: n(r.order_lines),
      shipped: n(r.shipped),
      returned: n(r.returned),
    };
    const seg = segs[r.seg]!;
    for (const w of LEDGER_WINDOWS) if (within(seg, ranges[w])) addSums(row.windows[w], sums);
  }
  return [...out.values()];
}

/** The digest's dates in the manager's zone, its windows as instants, and the chart's days. */
function digestCalendar(now: Date, tz: string) {
  const today = localDate(now, tz);
  const yesterday = addDays(today, -1);
  const dayBefore = addDays(yesterday, -1);
  const weekAgo = addDays(yesterday, -7);
  const monthStart = monthStartOf(yesterday);
  const prevMonthStart = previousMonthStart(monthStart);
  const seriesStart = addDays(yesterday, -(SERIES_DAYS - 1));
  const at = (d: string) => zonedTime(d, tz);
  const end = at(today);
  const ranges: Record<Window, Range> = {
    yesterday: { from: at(yesterday), to: end },
    monthToDate: { from: at(monthStart), to: end },
    dayBefore: { from: at(dayBefore), to: at(yesterday) },
    weekAgo: { from: at(weekAgo), to: at(addDays(weekAgo, 1)) },
    previousMonth: { from: at(prevMonthStart), to: at(monthStart) },
    clickBaseline: { from: at(addDays(yesterday, -CLICK_SPIKE_BASELINE_DAYS)), to: at(yesterday) },
  };
  const seriesDays = Array.from({ length: SERIES_DAYS }, (_, i) => addDays(seriesStart, i));
  const daySegs: TimeRange[] = seriesDays.map((d, i) => ({ from: at(d), to: i + 1 < seriesDays.length ? at(seriesDays[i + 1]!) : end }));
  return { yesterday, dayBefore, weekAgo, monthStart, ranges, seriesDays, daySegs };
}
type Calendar = ReturnType<typeof digestCalendar>;

/**
 * Ledger figures in one statement: per influencer and currency for the windows (`segments`, over `windowSegs`), the
 * chart's days for the organisation and per influencer, the top products, and unattributed tracking IDs.
 */
function readLedgerFigures(db: Db, organisationId: number, cal: Calendar, windowSegs: TimeRange[], opts: { now: Date; topN: number; rollups: boolean }) {
  const { now, topN, rollups } = opts;
  const { ranges, daySegs } = cal;
  // Ledger figures (per influencer and currency for the windows, the chart's days, top products) from the rollups
  // plus the ledger lines they do not cover, in one statement: see ../earnings/ledgerSums.ts.
  const since = new Date(now.getTime() - UNATTRIBUTED_LOOKBACK_DAYS * 86_400_000);
  const unattributedAmounts = sql`CASE WHEN e.kind <> 'pending' THEN e.amount_minor ELSE 0 END AS confirmed, CASE WHEN e.kind = 'pending' THEN e.amount_minor ELSE 0 END AS pending`;
  // Unattributed lines rolled up by hour of ingest: rows wholly inside the window, and the lines of rows that straddle
  // an end of it (found again through the row's id range); the caller adds the lines above the horizon.
  const unattributedRolledUp = (horizon: number) => sql`
        SELECT r.tracking_id, r.currency, r.marketplace, r.ingest_id, r.lines, r.confirmed_minor AS confirmed, r.pending_minor AS pending, r.last_created
          FROM earnings_unattributed_rollups r
         WHERE r.organisation_id = ${organisationId} AND r.bucket >= date_trunc('hour', ${since}::timestamptz, 'UTC') AND r.bucket <= ${now}
           AND r.first_created >= ${since} AND r.last_created <= ${now}
        UNION ALL
        SELECT e.tracking_id, e.currency, e.marketplace, e.ingest_id, 1 AS lines, ${unattributedAmounts}, e.created_at AS last_created
          FROM (SELECT * FROM earnings_unattributed_rollups r
                 WHERE r.organisation_id = ${organisationId} AND r.bucket >= date_trunc('hour', ${since}::timestamptz, 'UTC') AND r.bucket <= ${now}
                   AND (r.first_created < ${since} OR r.last_created > ${now}) OFFSET 0) r
          CROSS JOIN LATERAL (
            SELECT * FROM (SELECT * FROM ledger_entries e WHERE e.id >= r.first_id AND e.id <= r.last_id AND e.id <= ${horizon}::bigint OFFSET 0) e
             WHERE e.influencer_id IS NULL AND e.organisation_id = r.organisation_id AND e.tracking_id = r.tracking_id
               AND e.created_at >= greatest(r.bucket, ${since}) AND e.created_at < r.bucket + interval '1 hour' AND e.created_at <= ${now}
               AND e.ingest_id IS NOT DISTINCT FROM r.ingest_id AND e.marketplace = r.marketplace AND e.currency = r.currency) e
        UNION ALL`;
  const segmentSums = sql`sum(u.confirmed_minor + u.bounty_minor)::bigint AS conf, sum(u.bounty_minor)::bigint AS bounty,
             sum(u.pending_minor)::bigint AS pend, sum(u.reversed_minor)::bigint AS rev, sum(u.earned_lines)::bigint AS earned_lines,
             sum(u.items_ordered)::bigint AS ordered, sum(u.order_lines)::bigint AS order_lines,
             sum(u.items_shipped)::bigint AS shipped, sum(u.items_returned)::bigint AS returned`;
  return readLedger(
    db,
    { organisationId },
    (s) => ({
      // Per influencer for the windows; for the organisation as a whole (its hourly rows) for the chart's days.
      segments: sql<SegmentRow>`
      SELECT u.seg, u.influencer_id AS id, u.currency, ${segmentSums} FROM (${totalsSource(s, windowSegs)}) u GROUP BY 1, 2, 3 HAVING sum(u.lines) > 0`,
      days: sql<SegmentRow>`
      SELECT u.seg, NULL::bigint AS id, u.currency, ${segmentSums} FROM (${organisationTotalsSource(s, daySegs)}) u GROUP BY 1, 3 HAVING sum(u.lines) > 0`,
      // The chart's split by influencer: confirmed per influencer and day (days with an earned line only).
      influencerDays: sql<{ seg: number; id: number; currency: string; conf: number }>`
      SELECT u.seg, u.influencer_id AS id, u.currency, sum(u.confirmed_minor + u.bounty_minor)::bigint AS conf
        FROM (${totalsSource(s, daySegs)}) u WHERE u.influencer_id IS NOT NULL GROUP BY 1, 2, 3 HAVING sum(u.earned_lines) > 0`,
      // Top products by the organisation's rows; then, for those alone, how many influencers sold each (per influencer).
      products: sql<{
        rank: number;
        asin: string;
        currency: string;
        name: string | null;
        confirmed: number;
        pending: number;
        ordered: number;
        order_lines: number;
        shipped: number;
        influencers: number;
      }>`
      WITH top AS (${topProducts(s, ranges.monthToDate, topN)}),
      sellers AS (
        SELECT u.asin, u.currency, u.influencer_id
          FROM (${productsSource(s, [ranges.monthToDate], { influencerLevel: true, asins: sql`SELECT asin FROM top` })}) u
         GROUP BY 1, 2, 3
        HAVING sum(u.lines) > 0)
      SELECT top.rank, top.asin, top.currency, top.name, top.settled AS confirmed, top.pending, top.ordered, top.order_lines, top.shipped,
             (SELECT count(*) FROM sellers x WHERE x.asin = top.asin AND x.currency = top.currency)::bigint AS influencers
        FROM top`,
      // Lines of this organisation's own ingests that no influencer of it owns: another organisation's lines are never
      // shown (its reports are its own business). A tracking ID one of its influencers holds since is no longer
      // unattributed (one only claimed, waiting for verification, still is). Rolled up by hour of ingest; a rolled-up
      // row that straddles an end of the window is read from the ledger instead.
      unattributed: sql<{
        tracking_id: string;
        currency: string;
        marketplaces: string[];
        lines: number;
        last_seen: string;
        confirmed: number;
        pending: number;
      }>`
      WITH rows AS (
        ${s.rollups ? unattributedRolledUp(s.horizon) : sql``}
        SELECT e.tracking_id, e.currency, e.marketplace, e.ingest_id, 1 AS lines, ${unattributedAmounts}, e.created_at AS last_created
          FROM ledger_entries e
         WHERE e.id > ${s.rollups ? s.horizon : 0}::bigint AND e.organisation_id = ${organisationId} AND e.influencer_id IS NULL
           AND e.created_at >= ${since} AND e.created_at <= ${now}),
      seen AS (
        SELECT x.* FROM rows x
         WHERE NOT EXISTS (SELECT 1 FROM tracking_ids ti WHERE ti.organisation_id = ${organisationId} AND ti.tracking_id = x.tracking_id COLLATE "default" AND ti.verified)),
      ids AS (SELECT tracking_id FROM seen GROUP BY 1 ORDER BY max(last_created) DESC, tracking_id COLLATE "default" LIMIT ${UNATTRIBUTED_MAX})
      SELECT s.tracking_id, s.currency, array_agg(DISTINCT s.marketplace) AS marketplaces, sum(s.lines)::bigint AS lines, max(s.last_created) AS last_seen,
             sum(s.confirmed)::bigint AS confirmed, sum(s.pending)::bigint AS pending
        FROM seen s JOIN ids USING (tracking_id)
       GROUP BY 1, 2`,
    }),
    { rollups },
  );
}

/** Click counts per influencer for the click windows, and the roster's unique clicks per day of the chart. */
function readClickFigures(db: Db, organisationId: number, cal: Calendar, clickOpts: { rollups?: boolean }) {
  const { ranges, daySegs, seriesDays } = cal;
  // Click figures (per influencer for the windows, in one grouped read; the roster's unique clicks per day of the
  // chart from the organisation's own rows; top links) from the click rollups plus the clicks they do not cover: see
  // ../clicks/clickCounts.ts.
  return Promise.all([
    clickKindCounts(
      db,
      { organisationId },
      CLICK_WINDOWS.map((w) => ranges[w]),
      clickOpts,
    ),
    organisationClickCounts(db, organisationId, daySegs, clickOpts),
  ]).then(([counts, perDay]) => {
    const rows = new Map<number, ClickRow>();
    const days = new Map<string, number>();
    for (const c of perDay) if (c.click !== 0) days.set(seriesDays[c.seg]!, c.click);
    for (const c of counts) {
      let r = rows.get(c.influencerId);
      if (!r) rows.set(c.influencerId, (r = { id: c.influencerId, windows: perWindow(CLICK_WINDOWS, emptyClicks) }));
      r.windows[CLICK_WINDOWS[c.seg]!] = { clicks: c.click, repeats: c.repeat, previews: c.preview, bots: c.bot };
    }
    return { rows: [...rows.values()], days };
  });
}

/** Every influencer's figures and the roster's, ranked by month-to-date confirmed (primary currency first), then clicks, then handle. */
function rosterFigures(
  people: Array<{ id: number; handle: string; display_name: string }>,
  ledger: LedgerRow[],
  clicks: ClickRow[],
  seriesTotals: Map<string, number>,
) {
  const builders = new Map<number, FiguresBuilder>(people.map((p) => [p.id, new FiguresBuilder()]));
  const roster = new FiguresBuilder();
  for (const r of ledger) {
    builders.get(n(r.id))?.addLedger(r);
    roster.addLedger(r);
  }
  for (const r of clicks) {
    builders.get(n(r.id))?.addClicks(r);
    roster.addClicks(r);
  }
  const influencers: InfluencerFigures[] = people.map((p) => ({
    influencerId: p.id,
    handle: p.handle,
    displayName: p.display_name,
    ...builders.get(p.id)!.build(),
  }));
  const rosterRaw = roster.build();
  // Orders fall back to shipments per influencer, so the roster's orders are the sum of its influencers'.
  const totals: RosterFigures = {
    ...rosterRaw,
    yesterday: sumActivities(influencers.map((i) => i.yesterday)),
    monthToDate: sumActivities(influencers.map((i) => i.monthToDate)),
  };
  const primaryCurrency = pickPrimaryCurrency(totals.money, seriesTotals);

  // Ranking: month-to-date confirmed in the primary currency, then in the others (largest first), then clicks.
  const rankCurrencies = [...totals.money]
    .sort((a, b) => (b.currency === primaryCurrency ? 1 : 0) - (a.currency === primaryCurrency ? 1 : 0) || b.monthToDate.confirmed - a.monthToDate.confirmed)
    .map((m) => m.currency);
  const mtdIn = (i: InfluencerFigures, c: string) => i.money.find((m) => m.currency === c)?.monthToDate.confirmed ?? 0;
  influencers.sort((a, b) => {
    for (const c of rankCurrencies) {
      const d = mtdIn(b, c) - mtdIn(a, c);
      if (d !== 0) return d;
    }
    return b.monthToDate.clicks - a.monthToDate.clicks || a.handle.localeCompare(b.handle);
  });
  return { influencers, totals, primaryCurrency };
}

/** The chart's days in the primary currency (confirmed, pending, clicks) and its split by influencer. */
function chartSeries(
  cal: Calendar,
  primaryCurrency: string | null,
  read: {
    seriesMoney: Array<{ day: string; currency: string; amount: number }>;
    seriesPending: Array<{ day: string; currency: string; amount: number }>;
    influencerDays: Array<{ seg: number; id: number; currency: string; conf: number }>;
    clicksByDay: Map<string, number>;
  },
  people: Array<{ id: number; handle: string }>,
): DigestReport['series'] {
  const { seriesMoney, seriesPending, clicksByDay } = read;
  const moneyByDay = new Map<string, number>();
  for (const r of seriesMoney) if (r.currency === primaryCurrency) moneyByDay.set(r.day, n(r.amount));
  const pendingByDay = new Map<string, number>();
  for (const r of seriesPending) if (r.currency === primaryCurrency) pendingByDay.set(r.day, r.amount);
  const days: SeriesDay[] = [];
  for (let i = 0; i < SERIES_DAYS; i++) {
    const date = cal.seriesDays[i]!;
    days.push({ date, commissionMinor: moneyByDay.get(date) ?? 0, pendingMinor: pendingByDay.get(date) ?? 0, clicks: clicksByDay.get(date) ?? 0 });
  }
  const handles = new Map(people.map((p) => [n(p.id), p.handle]));
  const perInfluencer = new Map<number, InfluencerSeries>();
  for (const r of read.influencerDays) {
    const id = n(r.id);
    if (r.currency !== primaryCurrency || !handles.has(id)) continue;
    let row = perInfluencer.get(id);
    if (!row) {
      row = { influencerId: id, handle: handles.get(id)!, confirmed: new Array<number>(SERIES_DAYS).fill(0), total: 0 };
      perInfluencer.set(id, row);
    }
    const seg = n(r.seg);
    row.confirmed[seg] = (row.confirmed[seg] ?? 0) + n(r.conf);
    row.total += n(r.conf);
  }
  const seriesInfluencers = [...perInfluencer.values()].filter((r) => r.total !== 0).sort((a, b) => b.total - a.total || a.handle.localeCompare(b.handle));

  return { currency: primaryCurrency, days, influencers: seriesInfluencers };
}

/** Unattributed tracking IDs, most recently seen first, each with its marketplaces and money per currency. */
function unattributedList(
  rows: Array<{ tracking_id: string; currency: string; marketplaces: string[]; lines: number; last_seen: string; confirmed: number; pending: number }>,
): UnattributedTrackingId[] {
  const unattributedBy = new Map<string, UnattributedTrackingId>();
  for (const r of rows) {
    let u = unattributedBy.get(r.tracking_id);
    if (!u) {
      u = { trackingId: r.tracking_id, marketplaces: [], lines: 0, lastSeenAt: new Date(r.last_seen), money: [] };
      unattributedBy.set(r.tracking_id, u);
    }
    u.lines += n(r.lines);
    for (const m of r.marketplaces) if (!u.marketplaces.includes(m)) u.marketplaces.push(m);
    const seen = new Date(r.last_seen);
    if (seen > u.lastSeenAt) u.lastSeenAt = seen;
    u.money.push({ currency: r.currency, confirmed: n(r.confirmed), pending: n(r.pending) });
  }
  const unattributed = [...unattributedBy.values()].sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime() || a.trackingId.localeCompare(b.trackingId));
  for (const u of unattributed) {
    u.marketplaces.sort();
    u.money.sort((a, b) => a.currency.localeCompare(b.currency));
  }

  return unattributed;
}

export async function buildDigest(db: Db, organisationId: number, opts: BuildDigestOptions): Promise<DigestReport> {
  const tz = opts.timezone;
  if (!isTimeZone(tz)) throw new RangeError(`"${tz}" is not a time zone`);
  const now = opts.now ?? new Date();
  const topN = Math.max(1, Math.floor(opts.topN ?? DEFAULT_TOP_N));
  const cal = digestCalendar(now, tz);
  const { ranges } = cal;
  const windowSegs = windowSegments(ranges);
  const clickOpts = opts.rollups === false ? { rollups: false } : {};

  // Feed sources: the organisation's own (every source belongs to one organisation).
  const feedsQ = sql<{ id: number; name: string; cron: string; last_success_at: Date | null; last_error: string | null; created_at: Date }>`
    SELECT fs.id, fs.name, fs.cron, fs.last_success_at, fs.last_error, fs.created_at
    FROM feed_sources fs
    WHERE fs.enabled AND fs.organisation_id = ${organisationId}
    ORDER BY fs.id`.execute(db);

  const [people, ledgerRead, clicks, links, feeds, unbuyable] = await Promise.all([
    db.selectFrom('influencers').select(['id', 'handle', 'display_name']).where('organisation_id', '=', organisationId).execute(),
    readLedgerFigures(db, organisationId, cal, windowSegs, { now, topN, rollups: opts.rollups !== false }),
    readClickFigures(db, organisationId, cal, clickOpts),
    topClickedLinks(db, { organisationId }, ranges.monthToDate, topN, [ranges.yesterday], clickOpts),
    feedsQ,
    unavailableProducts(db, organisationId, { examples: 3 }),
  ]);
  // The chart's days: earned commission per currency, for days with at least one earned line.
  const seriesMoney = ledgerRead.days
    .filter((r) => n(r.earned_lines) > 0)
    .map((r) => ({ day: cal.seriesDays[r.seg]!, currency: r.currency, amount: n(r.conf) }));
  const seriesPending = ledgerRead.days.map((r) => ({ day: cal.seriesDays[r.seg]!, currency: r.currency, amount: n(r.pend) }));
  const seriesTotals = new Map<string, number>();
  for (const r of seriesMoney) seriesTotals.set(r.currency, (seriesTotals.get(r.currency) ?? 0) + n(r.amount));
  const { influencers, totals, primaryCurrency } = rosterFigures(people, ledgerRows(ledgerRead.segments, windowSegs, ranges), clicks.rows, seriesTotals);
  const products = [...ledgerRead.products].sort((a, b) => n(a.rank) - n(b.rank));

  return {
    organisationId,
    timezone: tz,
    generatedAt: now,
    date: cal.yesterday,
    dayBefore: cal.dayBefore,
    weekAgo: cal.weekAgo,
    monthStart: cal.monthStart,
    windows: { yesterday: ranges.yesterday, monthToDate: ranges.monthToDate },
    primaryCurrency,
    currencies: totals.money.map((m) => m.currency),
    totals,
    influencers,
    topProducts: products.map((r) => {
      const fromOrders = n(r.order_lines) > 0;
      return {
        asin: r.asin,
        name: r.name,
        currency: r.currency,
        confirmed: n(r.confirmed),
        pending: n(r.pending),
        orders: fromOrders ? n(r.ordered) : n(r.shipped),
        influencers: n(r.influencers),
      };
    }),
    topLinks: links.map(({ clicks, also, ...link }) => ({ ...link, clicksMonthToDate: clicks, clicksYesterday: also[0] ?? 0 })),
    unattributed: unattributedList(ledgerRead.unattributed),
    warnings: [
      ...feedWarnings(
        feeds.rows.map((f) => ({ ...f, id: n(f.id) })),
        now,
      ),
      ...influencerWarnings(influencers),
      ...linkHealthWarnings(unbuyable),
    ],
    series: chartSeries(cal, primaryCurrency, { seriesMoney, seriesPending, influencerDays: ledgerRead.influencerDays, clicksByDay: clicks.days }, people),
  };
}

function pickPrimaryCurrency(money: CurrencyFigures[], seriesTotals: Map<string, number>): string | null {
  let best: string | null = null;
  let bestKey: [number, number, number] = [-1, -1, -1];
  for (const m of money) {
    const key: [number, number, number] = [Math.abs(m.monthToDate.confirmed), Math.abs(seriesTotals.get(m.currency) ?? 0), Math.abs(m.monthToDate.pending)];
    if (key[0] > bestKey[0] || (key[0] === bestKey[0] && (key[1] > bestKey[1] || (key[1] === bestKey[1] && key[2] > bestKey[2])))) {
      best = m.currency;
      bestKey = key;
    }
  }
  if (best === null) for (const [c, v] of seriesTotals) if (best === null || v > (seriesTotals.get(best) ?? 0)) best = c;
  return best;
}

/** Storefront products Amazon no longer sells (or has run out of), found by the catalogue refresh. */
function linkHealthWarnings(u: UnavailableProducts): DigestWarning[] {
  return u.count > 0 ? [{ kind: 'unavailable-products', count: u.count, outOfStock: u.outOfStock, unavailable: u.unavailable, examples: u.examples }] : [];
}

/** The warnings about individual influencers, in the order a manager should read them. */
export function influencerWarnings(influencers: InfluencerFigures[]): DigestWarning[] {
  const spikes: DigestWarning[] = [];
  const quality: DigestWarning[] = [];
  const returns: DigestWarning[] = [];
  for (const i of influencers) {
    const y = i.yesterday;
    // Clicks ≥ factor × (baseline / days), in integers: clicks × days ≥ factor × baseline.
    if (y.clicks >= CLICK_SPIKE_MIN_CLICKS && y.orders === 0 && y.clicks * CLICK_SPIKE_BASELINE_DAYS >= CLICK_SPIKE_FACTOR * i.clicksBaseline) {
      spikes.push({
        kind: 'click-spike',
        influencerId: i.influencerId,
        handle: i.handle,
        clicks: y.clicks,
        baselineClicks: i.clicksBaseline,
        baselineDays: CLICK_SPIKE_BASELINE_DAYS,
        orders: y.orders,
      });
    }
    const all = y.clicks + y.repeats + y.bots;
    const doubtful = y.repeats + y.bots;
    if (all >= LOW_QUALITY_MIN_CLICKS && doubtful * 100 > LOW_QUALITY_SHARE_PERCENT * all) {
      quality.push({
        kind: 'low-quality-traffic',
        influencerId: i.influencerId,
        handle: i.handle,
        clicks: y.clicks,
        repeats: y.repeats,
        bots: y.bots,
        sharePercent: Math.round((doubtful * 100) / all),
      });
    }
    // Return rate returned/shipped this month against last month, cross-multiplied:
    // returned × prevShipped ≥ factor × prevReturned × shipped. Without shipments last month there is no baseline.
    const cur = i.monthToDate;
    const prev = i.previousMonth;
    if (
      cur.itemsReturned >= RETURN_RATE_MIN_RETURNS &&
      prev.itemsShipped > 0 &&
      cur.itemsReturned * prev.itemsShipped >= RETURN_RATE_JUMP_FACTOR * prev.itemsReturned * Math.max(cur.itemsShipped, 1)
    ) {
      returns.push({
        kind: 'return-rate-jump',
        influencerId: i.influencerId,
        handle: i.handle,
        returned: cur.itemsReturned,
        shipped: cur.itemsShipped,
        previousReturned: prev.itemsReturned,
        previousShipped: prev.itemsShipped,
      });
    }
  }
  return [...spikes, ...quality, ...returns];
}

/** Feed sources whose last scheduled pull (plus grace) has passed without a successful download since. */
export function feedWarnings(
  feeds: Array<{ id: number; name: string; cron: string; last_success_at: Date | null; last_error: string | null; created_at: Date }>,
  now: Date,
): DigestWarning[] {
  const out: DigestWarning[] = [];
  for (const f of feeds) {
    const due = previousScheduledPull(f.cron, new Date(now.getTime() - FEED_LATE_GRACE_MS));
    if (!due || f.created_at > due) continue; // not scheduled yet since it was added
    if (f.last_success_at && f.last_success_at >= due) continue;
    out.push({ kind: 'feed-late', feedSourceId: f.id, name: f.name, cron: f.cron, expectedAt: due, lastSuccessAt: f.last_success_at, lastError: f.last_error });
  }
  return out;
}
