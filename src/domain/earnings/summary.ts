// Earnings for an influencer or a whole organisation over a period: confirmed, pending, reversed and
// bounty commission per currency, top products, and the influencer's most-clicked links.
import { sql, type ExpressionBuilder } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { Database } from '../../db/schema.ts';
import type { Period } from './period.ts';

export type EarningsScope = { influencerId: number } | { organisationId: number };

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

export interface EarningsSummary {
  period: Period;
  totals: CurrencyTotals[];
  topProducts: Array<{ asin: string; name: string | null; currency: string; amount: number; items: number }>;
  topLinks: Array<{ code: string; campaign: string; asin: string; title: string | null; clicks: number }>;
  clicks: { click: number; repeat: number; preview: number; bot: number };
  /** False when no ledger entry exists for the scope at all (nothing ingested yet). */
  hasAnyEntries: boolean;
}

function scoped(scope: EarningsScope) {
  return (eb: ExpressionBuilder<Database, 'ledger_entries'>) =>
    'influencerId' in scope
      ? eb('ledger_entries.influencer_id', '=', scope.influencerId)
      : eb('ledger_entries.influencer_id', 'in', eb.selectFrom('influencers').select('id').where('organisation_id', '=', scope.organisationId));
}

function inPeriod(period: Period) {
  return (eb: ExpressionBuilder<Database, 'ledger_entries'>) =>
    eb.and([...(period.from ? [eb('ledger_entries.occurred_at', '>=', period.from)] : []), ...(period.to ? [eb('ledger_entries.occurred_at', '<', period.to)] : [])]);
}

const sumWhen = (kind: string) => sql<number>`coalesce(sum(amount_minor) filter (where kind = ${kind}), 0)::bigint`;

export async function earningsSummary(db: Db, scope: EarningsScope, period: Period, limit = 5): Promise<EarningsSummary> {
  // Pending estimates that a confirmed shipment has replaced no longer count (superseded_at set).
  const live = (eb: ExpressionBuilder<Database, 'ledger_entries'>) => eb.or([eb('kind', '!=', 'pending'), eb('superseded_at', 'is', null)]);

  const [totals, topProducts, any] = await Promise.all([
    db
      .selectFrom('ledger_entries')
      .select([
        'currency',
        sumWhen('confirmed').as('confirmed'),
        sumWhen('pending').as('pending'),
        sumWhen('reversal').as('reversed'),
        sumWhen('bounty').as('bounty'),
        sql<number>`coalesce(sum(quantity) filter (where kind = 'confirmed'), 0)::bigint`.as('itemsShipped'),
        sql<number>`coalesce(sum(abs(quantity)) filter (where kind = 'reversal'), 0)::bigint`.as('itemsReturned'),
      ])
      .where(scoped(scope))
      .where(inPeriod(period))
      .where(live)
      .groupBy('currency')
      .orderBy('currency')
      .execute(),
    db
      .selectFrom('ledger_entries')
      .select(['asin', 'currency', sql<string | null>`max(product_name)`.as('name'), sql<number>`sum(amount_minor)::bigint`.as('amount'), sql<number>`coalesce(sum(quantity) filter (where kind <> 'reversal'), 0)::bigint`.as('items')])
      .where(scoped(scope))
      .where(inPeriod(period))
      .where(live)
      .where('asin', 'is not', null)
      .groupBy(['asin', 'currency'])
      .orderBy('amount', 'desc')
      .limit(limit)
      .execute(),
    db.selectFrom('ledger_entries').select('id').where(scoped(scope)).limit(1).executeTakeFirst(),
  ]);

  const clickScope = (q: ReturnType<typeof clickBase>) =>
    'influencerId' in scope ? q.where('k.influencer_id', '=', scope.influencerId) : q.where('k.influencer_id', 'in', (eb) => eb.selectFrom('influencers').select('id').where('organisation_id', '=', scope.organisationId));
  const clickBase = () => {
    let q = db.selectFrom('clicks as c').innerJoin('links as k', 'k.id', 'c.link_id');
    if (period.from) q = q.where('c.clicked_at', '>=', period.from);
    if (period.to) q = q.where('c.clicked_at', '<', period.to);
    return q;
  };
  const [kinds, links] = await Promise.all([
    clickScope(clickBase()).select(['c.kind', sql<number>`count(*)::bigint`.as('n')]).groupBy('c.kind').execute(),
    clickScope(clickBase())
      .innerJoin('products as p', 'p.id', 'k.product_id')
      .select(['k.code', 'k.campaign', 'p.asin', 'p.title', sql<number>`count(*)::bigint`.as('clicks')])
      .where('c.kind', '=', 'click')
      .groupBy(['k.code', 'k.campaign', 'p.asin', 'p.title'])
      .orderBy('clicks', 'desc')
      .limit(limit)
      .execute(),
  ]);
  const clicks = { click: 0, repeat: 0, preview: 0, bot: 0 };
  for (const k of kinds) clicks[k.kind] = Number(k.n);

  return {
    period,
    totals: totals.map((t) => ({
      currency: t.currency,
      confirmed: Number(t.confirmed),
      pending: Number(t.pending),
      reversed: Number(t.reversed),
      bounty: Number(t.bounty),
      net: Number(t.confirmed) + Number(t.reversed) + Number(t.bounty),
      itemsShipped: Number(t.itemsShipped),
      itemsReturned: Number(t.itemsReturned),
    })),
    topProducts: topProducts.map((p) => ({ asin: p.asin!, name: p.name, currency: p.currency, amount: Number(p.amount), items: Number(p.items) })),
    topLinks: links.map((l) => ({ code: l.code, campaign: l.campaign, asin: l.asin, title: l.title, clicks: Number(l.clicks) })),
    clicks,
    hasAnyEntries: any !== undefined,
  };
}
