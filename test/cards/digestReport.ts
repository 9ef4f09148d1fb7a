// A digest report without a database, for composing and delivering digest cards in tests.
import type { Activity, DigestReport, RosterFigures } from '../../src/domain/digest/digestReport.ts';

const activity = (clicks: number, orders: number): Activity => ({
  clicks,
  repeats: 0,
  previews: 0,
  bots: 0,
  orders,
  ordersFromOrderLines: true,
  itemsShipped: 0,
  itemsReturned: 0,
  conversion: { orders, clicks, basisPoints: clicks ? Math.round((orders * 10_000) / clicks) : null },
});
const roster = (confirmed: number, clicks: number, orders: number): RosterFigures => ({
  money: [
    {
      currency: 'USD',
      yesterday: { confirmed, pending: 0, reversed: 0, bounty: 0 },
      monthToDate: { confirmed: confirmed * 2, pending: 0, reversed: 0, bounty: 0 },
      dayBeforeConfirmed: confirmed,
      weekAgoConfirmed: 0,
    },
  ],
  yesterday: activity(clicks, orders),
  monthToDate: activity(clicks * 2, orders),
  clicksDayBefore: clicks,
  clicksWeekAgo: 0,
  clicksBaseline: 0,
  previousMonth: { itemsShipped: 0, itemsReturned: 0 },
});

/** A small digest report as src/domain/digest hands it over: one influencer with a click spike, one product. */
export function report(): DigestReport {
  const days = Array.from({ length: 30 }, (_, i) => ({
    date: `2026-02-${String((i % 28) + 1).padStart(2, '0')}`,
    commissionMinor: i * 10,
    pendingMinor: i % 3 === 0 ? 50 : 0,
    clicks: i,
  }));
  return {
    organisationId: 1,
    timezone: 'America/New_York',
    generatedAt: new Date('2026-03-15T14:00:00Z'),
    date: '2026-03-14',
    dayBefore: '2026-03-13',
    weekAgo: '2026-03-07',
    monthStart: '2026-03-01',
    windows: { yesterday: { from: new Date(0), to: new Date(0) }, monthToDate: { from: new Date(0), to: new Date(0) } },
    primaryCurrency: 'USD',
    currencies: ['USD'],
    totals: roster(1200, 40, 1),
    influencers: [{ ...roster(1200, 40, 1), influencerId: 1, handle: 'maya', displayName: 'Maya' }],
    topProducts: [{ asin: 'B000000001', name: 'Camping stove', currency: 'USD', confirmed: 1200, pending: 300, orders: 1, influencers: 1 }],
    topLinks: [],
    unattributed: [],
    warnings: [{ kind: 'click-spike', influencerId: 1, handle: 'maya', clicks: 40, baselineClicks: 14, baselineDays: 7, orders: 0 }],
    series: {
      currency: 'USD',
      days,
      influencers: [{ influencerId: 1, handle: 'maya', confirmed: days.map((d) => d.commissionMinor), total: days.reduce((a, d) => a + d.commissionMinor, 0) }],
    },
  };
}
