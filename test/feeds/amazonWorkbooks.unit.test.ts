// The real Associates workbooks: counts and totals checked against figures computed from the sheet XML itself.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readReportFile, type BountyRow, type EarningsRow, type FeedItem, type OrdersRow } from '../../src/domain/feeds/index.ts';
import { FIXTURES, cents, fixtureSheetCells } from './support/files.ts';

async function collect(file: string) {
  const report = await readReportFile(join(FIXTURES, file));
  const items: FeedItem[] = [];
  for await (const item of report.rows()) items.push(item);
  return { report, items };
}

const earningsOf = (items: FeedItem[]) => items.filter((i): i is EarningsRow => i.kind === 'earnings');
const sum = (ns: number[]) => ns.reduce((a, b) => a + b, 0);

/** Per tracking ID Ad Fees in cents, from the raw sheet rows (header on row 2). */
function adFeesByTracking(cells: string[][]): Map<string, bigint> {
  const header = cells[1]!;
  const tracking = header.indexOf('Tracking ID');
  const adFees = header.indexOf('Ad Fees($)');
  const totals = new Map<string, bigint>();
  for (const row of cells.slice(2)) totals.set(row[tracking]!, (totals.get(row[tracking]!) ?? 0n) + cents(row[adFees]!));
  return totals;
}

describe('when the US March 2021 workbook (all reports) is read', async () => {
  const { report, items } = await collect('us-2021-03-all-reports.xlsx');
  const earnings = earningsOf(items);
  const raw = await fixtureSheetCells('us-2021-03-all-reports.xlsx', 'xl/worksheets/sheet2.xml');

  it('then it takes the Fee-Earnings, Fee-Orders and Bounty sheets and ignores trends, tracking, bonus and clicks', () => {
    expect(report.format).toBe('xlsx');
    expect(report.reports.map((r) => [r.kind, r.sheet])).toEqual([
      ['earnings', 'Fee-Earnings'],
      ['orders', 'Fee-Orders'],
      ['bounty', 'Bounty'],
    ]);
    expect(report.reports.every((r) => r.window?.start === '2021-03-07' && r.window.end === '2021-04-05')).toBe(true);
    expect(items.filter((i) => i.kind === 'error')).toEqual([]);
  });

  it('then the store is amazon.com in dollars, told by the Seller column', () => {
    expect(report.marketplace).toEqual({ code: 'US', currency: 'USD', source: 'seller' });
  });

  it('then Fee-Earnings has 5,217 rows, 316 of them returns with negative Revenue and (but one zero) Ad Fees', () => {
    expect(earnings).toHaveLength(5217);
    expect(raw.length - 2).toBe(5217);
    const returns = earnings.filter((r) => r.itemsShipped === 0 && r.returns === 1);
    expect(returns).toHaveLength(316);
    expect(returns.every((r) => r.revenueMinor < 0 && r.adFeesMinor <= 0)).toBe(true);
    // One returned item had earned no fee (`0.0`), so only 315 carry a negative Ad Fee.
    expect(returns.filter((r) => r.adFeesMinor < 0)).toHaveLength(315);
    expect(earnings.filter((r) => r.returns > 0)).toHaveLength(316);
  });

  it('then Ad Fees total exactly 1,235,772 cents, and each tracking ID matches the sheet', () => {
    expect(sum(earnings.map((r) => r.adFeesMinor))).toBe(1235772);
    const expected = adFeesByTracking(raw);
    expect(expected.size).toBe(45);
    const actual = new Map<string, bigint>();
    for (const r of earnings) actual.set(r.trackingId, (actual.get(r.trackingId) ?? 0n) + BigInt(r.adFeesMinor));
    expect(actual).toEqual(expected);
  });

  it('then revenue stored as float noise (24.630000000000003) rounds from its digits to 2463', () => {
    const row = earnings.find((r) => r.line === 365)!;
    expect(row.revenueMinor).toBe(2463);
    expect(row.priceMinor).toBe(821);
    expect(row.itemsShipped).toBe(3);
    const header = raw[1]!;
    const revenue = header.indexOf('Revenue($)');
    expect(sum(earnings.map((r) => r.revenueMinor))).toBe(Number(raw.slice(2).reduce((a, r) => a + cents(r[revenue]!), 0n)));
  });

  it('then dates are ISO store time, rows carry their sheet row numbers, and & entities are decoded', () => {
    const first = earnings[0]!;
    expect(first).toMatchObject({
      line: 3,
      sheet: 'Fee-Earnings',
      category: 'Grocery & Gourmet Food',
      asin: 'B07DH5TGZD',
      seller: 'Amazon.com',
      trackingId: 'choice-fitbit-20',
      shippedAt: '2021-04-05T23:50:00',
      currency: 'USD',
      priceMinor: 836,
      itemsShipped: 1,
      returns: 0,
      revenueMinor: 836,
      adFeesMinor: 8,
      deviceType: 'PHONE',
    });
    // Amazon already cuts names at 150 characters, so every name comes through whole, entities decoded: the XML's
    // and then the HTML escaping Amazon's own text carries (`Frog &amp;amp; Newt` in the XML is `Frog & Newt`).
    const html = (s: string) => s.replace(/&amp;/g, '&');
    expect(earnings.filter((r) => r.name !== html(raw[r.line - 1]![1]!.trim()))).toEqual([]);
    expect(earnings.filter((r) => raw[r.line - 1]![1]!.includes('&amp;')).map((r) => r.name)).toEqual(['Zoo Med Aquatic Frog & Newt Diet 9oz']);
    expect(new Set(earnings.filter((r) => raw[r.line - 1]![0]!.includes('&amp;')).map((r) => r.category))).toEqual(
      new Set(['Health & Personal Care Appliances']),
    );
    expect(Math.max(...earnings.map((r) => [...r.name].length))).toBe(150);
  });

  it('then Fee-Orders has 4,963 rows and Bounty 15 date-only rows', () => {
    const orders = items.filter((i): i is OrdersRow => i.kind === 'orders');
    expect(orders).toHaveLength(4963);
    expect(orders[0]).toMatchObject({ orderedAt: '2021-04-05T23:34:03', qty: 2, priceMinor: 1232, trackingId: 'tablet2cents-20', indirect: true });
    expect(orders.filter((o) => o.indirect === false)).toHaveLength(573);
    const bounty = items.filter((i): i is BountyRow => i.kind === 'bounty');
    expect(bounty).toHaveLength(15);
    expect(bounty[0]).toMatchObject({ shippedAt: '2021-04-01', quantity: 1, adFeesMinor: 300, trackingId: 'choice-fitbit-20' });
  });
});

describe('when the Canadian workbook is read', async () => {
  const { report, items } = await collect('ca-2021-03-orders-earnings.xlsx');
  const earnings = earningsOf(items);

  it('then the currency is CAD although its headers say Price($), because the Seller is Amazon.ca', () => {
    expect(report.marketplace).toEqual({ code: 'CA', currency: 'CAD', source: 'seller' });
    expect(items.every((i) => i.kind === 'error' || i.currency === 'CAD')).toBe(true);
  });

  it('then Fee-Earnings has 538 rows, 23 returns, Ad Fees exactly 218,652 cents', async () => {
    expect(earnings).toHaveLength(538);
    expect(earnings.filter((r) => r.itemsShipped === 0 && r.returns === 1)).toHaveLength(23);
    expect(sum(earnings.map((r) => r.adFeesMinor))).toBe(218652);
    const raw = await fixtureSheetCells('ca-2021-03-orders-earnings.xlsx', 'xl/worksheets/sheet4.xml');
    const actual = new Map<string, bigint>();
    for (const r of earnings) actual.set(r.trackingId, (actual.get(r.trackingId) ?? 0n) + BigInt(r.adFeesMinor));
    expect(actual).toEqual(adFeesByTracking(raw));
  });

  it('then the Fee-Orders sheet, read before Fee-Earnings, is in CAD too and the clicks sheet is skipped', () => {
    expect(report.reports.map((r) => r.sheet)).toEqual(['Fee-Orders', 'Bounty', 'Fee-Earnings']);
    expect(items.filter((i) => i.kind === 'orders')).toHaveLength(567);
    expect(report.reports[0]!.window).toEqual({ start: '2021-03-14', end: '2021-04-12' });
  });
});

describe('when the US February 2020 Fee-Orders workbook is read', async () => {
  const { report, items } = await collect('us-2020-02-fee-orders.xlsx');

  it('then it has 3,016 order rows for the window 2020-02-01..2020-02-29, in USD from the $ header', async () => {
    expect(report.reports).toHaveLength(1);
    expect(report.reports[0]).toMatchObject({ kind: 'orders', window: { start: '2020-02-01', end: '2020-02-29' }, headerLine: 2 });
    expect(report.marketplace).toEqual({ code: 'US', currency: 'USD', source: 'header' });
    const orders = items.filter((i): i is OrdersRow => i.kind === 'orders');
    expect(orders).toHaveLength(3016);
    expect(items).toHaveLength(3016);
    const raw = await fixtureSheetCells('us-2020-02-fee-orders.xlsx', 'xl/worksheets/sheet1.xml');
    const price = raw[1]!.indexOf('Price($)');
    const qty = raw[1]!.indexOf('Qty');
    expect(sum(orders.map((o) => o.priceMinor))).toBe(Number(raw.slice(2).reduce((a, r) => a + cents(r[price]!), 0n)));
    expect(sum(orders.map((o) => o.qty))).toBe(raw.slice(2).reduce((a, r) => a + Number.parseInt(r[qty]!, 10), 0));
  });
});
