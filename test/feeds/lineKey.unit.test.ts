// Line keys: identical rows stay distinct by ordinal, and reading the same report again gives the same keys.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineKeyer, lineKey, readReportFile, type EarningsRow, type ReportRow } from '../../src/domain/feeds/index.ts';
import { FIXTURES } from './support/files.ts';

const row: EarningsRow = {
  kind: 'earnings',
  report: 0,
  sheet: 'Fee-Earnings',
  line: 3,
  category: 'Home',
  name: 'Lamp',
  asin: 'B000000001',
  seller: 'Amazon.com',
  trackingId: 'shop-20',
  shippedAt: '2021-03-08T10:00:00',
  currency: 'USD',
  priceMinor: 1250,
  itemsShipped: 1,
  returns: 0,
  revenueMinor: 1250,
  adFeesMinor: 38,
  deviceType: 'PHONE',
};

async function keysOf(path: string): Promise<string[]> {
  const file = await readReportFile(path);
  const keyers = file.reports.map((r) => new LineKeyer(r.kind));
  const keys: string[] = [];
  for await (const item of file.rows()) if (item.kind !== 'error') keys.push(keyers[item.report]!.next(item));
  return keys;
}

describe('when line keys are made', () => {
  it('then two identical rows get different keys through their ordinal', () => {
    const keyer = new LineKeyer('earnings');
    const a = keyer.next(row);
    const b = keyer.next({ ...row, line: 4 });
    expect(a).not.toBe(b);
    expect(a).toBe(lineKey('earnings', row, 0));
    expect(b).toBe(lineKey('earnings', row, 1));
    expect(a.replace(/\.0$/, '')).toBe(b.replace(/\.1$/, ''));
  });

  it('then position, spacing and case do not change a key, but any figure does', () => {
    const base = lineKey('earnings', row, 0);
    expect(lineKey('earnings', { ...row, line: 99, sheet: null, report: 2 }, 0)).toBe(base);
    expect(lineKey('earnings', { ...row, name: '  LAMP ', trackingId: 'Shop-20' }, 0)).toBe(base);
    const changed: ReportRow[] = [
      { ...row, adFeesMinor: 39 },
      { ...row, shippedAt: '2021-03-08T10:00:01' },
      { ...row, currency: 'CAD' },
    ];
    for (const r of changed) expect(lineKey('earnings', r, 0)).not.toBe(base);
    expect(lineKey('orders', row, 0)).not.toBe(base);
  });

  it('then re-reading the US workbook gives the same keys, all distinct', async () => {
    const path = join(FIXTURES, 'us-2021-03-all-reports.xlsx');
    const first = await keysOf(path);
    expect(first).toHaveLength(5217 + 4963 + 15);
    expect(new Set(first).size).toBe(first.length);
    expect(first.some((k) => !k.endsWith('.0'))).toBe(true);
    expect(await keysOf(path)).toEqual(first);
  });
});
