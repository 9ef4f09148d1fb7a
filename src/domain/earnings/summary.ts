// Earnings for an influencer or a whole organisation over a period: confirmed, pending, reversed and
// bounty commission per currency (also per tracking ID), top products, commission per link, and the most-clicked
// links. Ledger figures come from the rollups plus the ledger lines they do not cover (see ledgerSums.ts), click
// figures likewise from the click rollups (../clicks/clickCounts.ts): exact.
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { Period } from './period.ts';
import type { EarningsScope } from '../common/scope.ts';
import { readLedger, totalsSource, type SnapshotOptions } from './ledgerSums.ts';
import { topProductsAndLinks } from './productRanking.ts';
import { clickTotals } from '../clicks/clickCounts.ts';
import { topClickedLinks } from '../clicks/linkRanking.ts';
import { productFaces } from '../links/productFaces.ts';

export type { EarningsScope };

export interface CurrencyTotals {
  currency: string;
  confirmed: number;
  pending: number;
  reversed: number;
  bounty: number;
  /** confirmed + reversed (reversals are negative) + bounty */
  net: number;
  itemsShipped: number;
  itemsReturned: number;
}

export interface TrackingIdTotals extends CurrencyTotals {
  trackingId: string;
}

export interface EarningsSummary {
  period: Period;
  totals: CurrencyTotals[];
  /** The same figures per tracking ID (an influencer may have one per store), by tracking ID then currency. */
  byTrackingId: TrackingIdTotals[];
  /** By product: `name` is the catalogue's title, else the report's name; `imageUrl` the catalogue's picture (https) when it has one. */
  topProducts: Array<{ asin: string; name: string | null; imageUrl?: string | null; currency: string; amount: number; items: number }>;
  /** Commission on ledger lines that name the link they came through, largest first. */
  linkEarnings: Array<{
    linkId: number;
    code: string | null;
    campaign: string | null;
    asin: string | null;
    title: string | null;
    currency: string;
    amount: number;
    items: number;
  }>;
  topLinks: Array<{ code: string; campaign: string; asin: string; title: string | null; clicks: number }>;
  clicks: { click: number; repeat: number; preview: number; bot: number };
  /** False when no ledger entry exists for the scope at all (nothing ingested yet). */
  hasAnyEntries: boolean;
}

interface TotalsRow {
  tracking_id: string;
  currency: string;
  confirmed: number;
  pending: number;
  reversed: number;
  bounty: number;
  shipped: number;
  returned: number;
}

const n = (v: unknown) => Number(v ?? 0);

function currencyTotals(currency: string, r: Omit<TotalsRow, 'tracking_id' | 'currency'>): CurrencyTotals {
  const t = { confirmed: n(r.confirmed), pending: n(r.pending), reversed: n(r.reversed), bounty: n(r.bounty) };
  return { currency, ...t, net: t.confirmed + t.reversed + t.bounty, itemsShipped: n(r.shipped), itemsReturned: n(r.returned) };
}

/** The ledger half of the summary: one statement, one snapshot. */
async function ledgerFigures(db: Db, scope: EarningsScope, period: Period, limit: number, opts: SnapshotOptions) {
  const seg = { from: period.from, to: period.to };
  const r = await readLedger(
    db,
    scope,
    (s) => ({
      totals: sql<TotalsRow>`
        SELECT u.tracking_id, u.currency,
               sum(u.confirmed_minor)::bigint AS confirmed, sum(u.pending_minor)::bigint AS pending,
               sum(u.reversed_minor)::bigint AS reversed, sum(u.bounty_minor)::bigint AS bounty,
               sum(u.items_shipped)::bigint AS shipped, sum(u.items_reversed)::bigint AS returned
          FROM (${totalsSource(s, [seg])}) u
         GROUP BY 1, 2
        HAVING sum(u.lines) > 0`,
      top: topProductsAndLinks(s, seg, limit),
      any: sql<{ x: number }>`SELECT 1 AS x FROM ledger_entries WHERE influencer_id = ANY(${s.influencers}::bigint[]) LIMIT 1`,
    }),
    opts,
  );

  const top = [...r.top].sort((a, b) => n(a.rank) - n(b.rank));
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const rows = [...r.totals].sort((a, b) => cmp(a.tracking_id, b.tracking_id) || cmp(a.currency, b.currency));
  const byCurrency = new Map<string, Omit<TotalsRow, 'tracking_id' | 'currency'>>();
  for (const t of rows) {
    const acc = byCurrency.get(t.currency) ?? { confirmed: 0, pending: 0, reversed: 0, bounty: 0, shipped: 0, returned: 0 };
    for (const k of ['confirmed', 'pending', 'reversed', 'bounty', 'shipped', 'returned'] as const) acc[k] += n(t[k]);
    byCurrency.set(t.currency, acc);
  }
  return {
    totals: [...byCurrency.entries()].sort(([a], [b]) => cmp(a, b)).map(([currency, t]) => currencyTotals(currency, t)),
    byTrackingId: rows.map((t) => ({ trackingId: t.tracking_id, ...currencyTotals(t.currency, t) })),
    topProducts: top.filter((p) => !p.by_link).map((p) => ({ asin: p.asin!, name: p.name, currency: p.currency, amount: n(p.amount), items: n(p.items) })),
    linkEarnings: top
      .filter((l) => l.by_link)
      .map((l) => ({ linkId: n(l.link_id), code: l.code, campaign: l.campaign, currency: l.currency, amount: n(l.amount), items: n(l.items) })),
    hasAnyEntries: r.any.length > 0,
  };
}

export async function earningsSummary(db: Db, scope: EarningsScope, period: Period, limit = 5, opts: SnapshotOptions = {}): Promise<EarningsSummary> {
  // Click figures from the click rollups plus the clicks they do not cover (see ../clicks/clickCounts.ts): exact.
  const range = { from: period.from, to: period.to };
  const clickOpts = opts.rollups === false ? { rollups: false } : {};
  const [ledger, clicks, links] = await Promise.all([
    ledgerFigures(db, scope, period, limit, opts),
    clickTotals(db, scope, range, clickOpts),
    topClickedLinks(db, scope, range, limit, [], clickOpts),
  ]);
  // The product each earning or clicked link points at, then every listed product's title and picture from the
  // catalogue in one batch (at most 3 × `limit` products), so people recognise them by name rather than by ASIN.
  const linkIds = [...new Set([...ledger.linkEarnings.map((l) => l.linkId), ...links.map((l) => l.linkId)])];
  const [linkProducts, organisationId] = await Promise.all([
    linkIds.length
      ? db
          .selectFrom('links as k')
          .innerJoin('products as p', 'p.id', 'k.product_id')
          .select(['k.id', 'p.asin', 'p.marketplace', 'p.title'])
          .where('k.id', 'in', linkIds)
          .execute()
          .then((rows) => new Map(rows.map((r) => [Number(r.id), r])))
      : new Map<number, { asin: string; marketplace: string; title: string | null }>(),
    'organisationId' in scope
      ? scope.organisationId
      : db
          .selectFrom('influencers')
          .select('organisation_id')
          .where('id', '=', scope.influencerId)
          .executeTakeFirst()
          .then((r) => r?.organisation_id),
  ]);
  const keys = [...ledger.topProducts.map((p) => ({ asin: p.asin })), ...linkProducts.values()];
  const faces =
    organisationId !== undefined && keys.length
      ? await productFaces(db, organisationId, keys, { influencerId: 'influencerId' in scope ? scope.influencerId : undefined })
      : undefined;
  const linkTitle = (linkId: number) => {
    const p = linkProducts.get(linkId);
    return p ? (faces?.catalogueTitle(p) ?? p.title) : null;
  };

  return {
    period,
    ...ledger,
    topProducts: ledger.topProducts.map((p) => {
      const imageUrl = faces?.imageUrl({ asin: p.asin });
      return { ...p, name: faces?.catalogueTitle({ asin: p.asin }) ?? p.name, ...(imageUrl ? { imageUrl } : {}) };
    }),
    linkEarnings: ledger.linkEarnings.map((l) => ({ ...l, asin: linkProducts.get(l.linkId)?.asin ?? null, title: linkTitle(l.linkId) })),
    topLinks: links.map((l) => ({ code: l.code, campaign: l.campaign, asin: l.asin, title: linkTitle(l.linkId) ?? l.title, clicks: Number(l.clicks) })),
    clicks,
  };
}
