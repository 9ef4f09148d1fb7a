// Earnings test helpers: a seeded organisation with a skewed ledger, refreshes that wait for this file's lines, and
// the figures computed straight from the ledger (independent of the rollup code) to compare against.
import { sql } from 'kysely';
import type { Db } from '../../src/db/database.ts';
import type { LedgerKind, LedgerReportType } from '../../src/db/schema.ts';
import { refreshEarningsRollups, type RefreshOptions, type RefreshResult } from '../../src/domain/earnings/rollupRefresh.ts';
import { zonedTime } from '../../src/domain/common/time.ts';
import { addInfluencers, newOrganisation, type Member } from '../digest/seed.ts';
import { randomAsin } from '../support/fixtures.ts';
import { unique } from '../support/env.ts';

export const ZONES = ['UTC', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham'] as const;

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]! };
}
export type Rng = ReturnType<typeof rng>;

export interface World {
  organisationId: number;
  members: Member[];
  /** Tracking IDs by influencer id (a default US one each; some have a UK one too). */
  trackingIds: Map<number, Array<{ trackingId: string; currency: string; marketplace: string }>>;
  /** A tracking ID nobody has registered yet… */
  stray: string;
  /** …until it is (set by the test that registers it): its later lines then carry the owner, as an ingest writes them. */
  strayOwner?: number;
  asins: string[];
}

export async function seedWorld(db: Db, influencers = 4): Promise<World> {
  const organisationId = await newOrganisation(db);
  const members = await addInfluencers(db, organisationId, influencers);
  const trackingIds = new Map<number, Array<{ trackingId: string; currency: string; marketplace: string }>>();
  for (const [i, m] of members.entries()) {
    const list = [{ trackingId: m.trackingId, currency: 'USD', marketplace: 'US' }];
    if (i % 2 === 0) {
      const uk = `${m.handle}-21`;
      await db.insertInto('tracking_ids').values({ tracking_id: uk, marketplace: 'UK', influencer_id: m.id, is_default: true }).execute();
      list.push({ trackingId: uk, currency: 'GBP', marketplace: 'UK' });
    }
    trackingIds.set(m.id, list);
  }
  const asins = Array.from({ length: 12 }, () => randomAsin());
  return { organisationId, members, trackingIds, stray: `${unique('stray').toLowerCase()}-20`, asins };
}

export interface LineSpec {
  /** The organisation whose ingest brought the line (the world's). */
  organisationId: number;
  kind: LedgerKind;
  reportType: LedgerReportType;
  trackingId: string;
  influencerId: number | null;
  marketplace: string;
  currency: string;
  asin: string | null;
  linkId: number | null;
  at: Date;
  quantity: number;
  amount: number;
  reversesEntryId: number | null;
}

/** An instant inside [from, to), a third of them within minutes of a local midnight somewhere (period edges). */
export function randomInstant(r: Rng, from: number, to: number): Date {
  const t = from + r.next() * (to - from);
  if (r.next() < 0.35) {
    const tz = r.pick(ZONES);
    const day = new Date(t).toISOString().slice(0, 10);
    const edge = zonedTime(day, tz).getTime() + r.int(-90, 90) * 60_000 + r.int(-1, 1);
    if (edge >= from && edge < to) return new Date(edge);
  }
  return new Date(Math.floor(t));
}

/** Random lines for the world's tracking IDs (the first influencer sells most), the stray one included. */
export function randomLines(r: Rng, w: World, count: number, from: number, to: number): LineSpec[] {
  const out: LineSpec[] = [];
  for (let n = 0; n < count; n++) {
    const stray = r.next() < 0.06;
    const member = w.members[Math.min(w.members.length - 1, Math.floor(w.members.length * r.next() ** 2))]!;
    const t = stray ? { trackingId: w.stray, currency: 'USD', marketplace: 'US' } : r.pick(w.trackingIds.get(member.id)!);
    const k = r.next();
    const kind: LedgerKind = k < 0.5 ? 'confirmed' : k < 0.8 ? 'pending' : k < 0.93 ? 'reversal' : 'bounty';
    const reportType: LedgerReportType = kind === 'pending' ? (r.next() < 0.2 ? 'release' : 'orders') : kind === 'bounty' ? 'bounty' : 'earnings';
    const negative = kind === 'reversal' || reportType === 'release';
    const qty = r.int(1, 3);
    const viaLink = !stray && kind !== 'bounty' && r.next() < 0.2;
    out.push({
      organisationId: w.organisationId,
      kind,
      reportType,
      trackingId: t.trackingId,
      influencerId: stray ? (w.strayOwner ?? null) : member.id,
      marketplace: t.marketplace,
      currency: t.currency,
      asin: kind === 'bounty' ? null : viaLink ? member.asin : r.pick(w.asins.slice(0, 4 + Math.floor(r.next() * w.asins.length))),
      linkId: viaLink ? member.linkId : null,
      at: randomInstant(r, from, to),
      quantity: negative ? -qty : qty,
      amount: (negative ? -1 : 1) * r.int(0, 25_000),
      reversesEntryId: null,
    });
  }
  return out;
}

/** Inserts the lines (each product named after its ASIN); some reversals and releases undo an earlier line of theirs. */
export async function insertLines(db: Db, lines: LineSpec[], r?: Rng): Promise<number[]> {
  if (lines.length === 0) return [];
  const ids: number[] = [];
  for (let i = 0; i < lines.length; i += 500) {
    const rows = lines.slice(i, i + 500).map((l) => ({
      organisation_id: l.organisationId,
      network: 'amazon',
      line_key: unique('el'),
      kind: l.kind,
      report_type: l.reportType,
      tracking_id: l.trackingId,
      influencer_id: l.influencerId,
      marketplace: l.marketplace,
      asin: l.asin,
      product_name: l.asin ? `Product ${l.asin}` : null,
      category: null,
      occurred_at: l.at,
      quantity: l.quantity,
      revenue_minor: 0,
      amount_minor: l.amount,
      currency: l.currency,
      ingest_id: null,
      link_id: l.linkId,
      reverses_entry_id: l.reversesEntryId ?? (r && ids.length > 0 && l.amount < 0 && r.next() < 0.5 ? r.pick(ids) : null),
      source_line: null,
      rate_bp: null,
    }));
    ids.push(...(await db.insertInto('ledger_entries').values(rows).returning('id').execute()).map((x) => x.id));
  }
  return ids;
}

/**
 * Runs `read` in one REPEATABLE READ snapshot, so figures read by the code under test and straight from the ledger
 * describe the same ledger: other test files' refreshes attribute raced lines (see refresh.test.ts) at any moment.
 */
export function inOneSnapshot<T>(db: Db, read: (snapshot: Db) => Promise<T>): Promise<T> {
  return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(read);
}

/** Refreshes until the rollups cover `upTo` (other test files may briefly hold ids back), then returns the last result. */
export async function refreshUntil(db: Db, upTo: number, opts: RefreshOptions = {}): Promise<RefreshResult> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await refreshEarningsRollups(db, opts);
    if (r.horizon >= upTo) return r;
    if (Date.now() > deadline) throw new Error(`rollups stuck at ${r.horizon} below ${upTo}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

export interface RawTotals {
  currency: string;
  confirmed: number;
  pending: number;
  reversed: number;
  bounty: number;
  itemsShipped: number;
  itemsReturned: number;
}

/** Totals per currency straight from the ledger, for lines owned by the influencers, in [from, to). */
export async function rawTotals(db: Db, influencers: number[], from: Date | null, to: Date | null): Promise<RawTotals[]> {
  const rows = await sql<{ currency: string; c: string; p: string; r: string; b: string; s: string; x: string }>`
    SELECT currency,
           coalesce(sum(amount_minor) FILTER (WHERE kind = 'confirmed'), 0) AS c, coalesce(sum(amount_minor) FILTER (WHERE kind = 'pending'), 0) AS p,
           coalesce(sum(amount_minor) FILTER (WHERE kind = 'reversal'), 0) AS r, coalesce(sum(amount_minor) FILTER (WHERE kind = 'bounty'), 0) AS b,
           coalesce(sum(quantity) FILTER (WHERE kind = 'confirmed'), 0) AS s, coalesce(sum(abs(quantity)) FILTER (WHERE kind = 'reversal'), 0) AS x
      FROM ledger_entries
     WHERE influencer_id = ANY(${influencers}::bigint[]) ${from ? sql`AND occurred_at >= ${from}` : sql``} ${to ? sql`AND occurred_at < ${to}` : sql``}
     GROUP BY currency ORDER BY currency`.execute(db);
  return rows.rows.map((t) => ({
    currency: t.currency,
    confirmed: Number(t.c),
    pending: Number(t.p),
    reversed: Number(t.r),
    bounty: Number(t.b),
    itemsShipped: Number(t.s),
    itemsReturned: Number(t.x),
  }));
}

/**
 * Top products straight from the ledger: amount and items per ASIN and currency, largest first; named by the
 * report, or with `names: 'catalogue'` as the earnings summary names them (the product's own title when it has one).
 */
export async function rawTopProducts(db: Db, influencers: number[], from: Date | null, to: Date | null, limit = 5, names: 'report' | 'catalogue' = 'report') {
  const rows = await sql<{ asin: string; currency: string; amount: string; items: string; title: string | null }>`
    SELECT asin, currency, sum(amount_minor) AS amount, coalesce(sum(quantity) FILTER (WHERE kind <> 'reversal'), 0) AS items,
           (SELECT p.title FROM products p WHERE p.asin = ledger_entries.asin AND p.title IS NOT NULL ORDER BY p.id LIMIT 1) AS title
      FROM ledger_entries
     WHERE influencer_id = ANY(${influencers}::bigint[]) AND asin IS NOT NULL ${from ? sql`AND occurred_at >= ${from}` : sql``} ${to ? sql`AND occurred_at < ${to}` : sql``}
     GROUP BY asin, currency ORDER BY sum(amount_minor) DESC, asin COLLATE "C", currency LIMIT ${limit}`.execute(db);
  return rows.rows.map((p) => ({
    asin: p.asin,
    name: (names === 'catalogue' ? p.title : null) ?? `Product ${p.asin}`,
    currency: p.currency,
    amount: Number(p.amount),
    items: Number(p.items),
  }));
}
