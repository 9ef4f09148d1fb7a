// The shared-string table is kept in pages off the JS heap; every index must still read back its own string.
import { describe, expect, it } from 'vitest';
import { readReportFile, type EarningsRow } from '../../src/domain/feeds/index.ts';
import { SharedStrings } from '../../src/domain/feeds/xlsxWorkbook.ts';
import { tempDir, writeXlsx } from './support/files.ts';
import { EARNINGS_COLUMNS } from '../support/reportColumns.ts';

const tmp = tempDir();

describe('when a shared-string table is stored in pages', () => {
  it('then every index reads back its string, across page ends, in Latin-1 and in wider text', () => {
    const strings = Array.from({ length: 200_000 }, (_, i) =>
      i % 3 === 0 ? `Kategorie ${i} – Küche` : i % 3 === 1 ? `カテゴリー${i}` : i % 1000 === 2 ? 'x'.repeat(2_000) : `plain ${i}`,
    );
    strings[70_000] = '';
    strings[70_001] = '😀 surrogate pair';
    const table = new SharedStrings(strings);
    expect(table.size).toBe(200_000);
    for (let i = 0; i < strings.length; i += 997) expect(table.get(i), String(i)).toBe(strings[i]);
    for (const i of [0, 65_535, 65_536, 65_537, 70_000, 70_001, 131_071, 131_072, 199_999]) expect(table.get(i), String(i)).toBe(strings[i]);
  });

  it('then an index outside the table is undefined, never another string', () => {
    const table = new SharedStrings(['a', 'b']);
    for (const bad of [-1, 2, 1.5, Number.NaN, 2 ** 40]) expect(table.get(bad)).toBeUndefined();
    expect(new SharedStrings().get(0)).toBeUndefined();
  });

  it('then a re-saved workbook with a large table reads its cells through it', async () => {
    const strings = Array.from({ length: 70_000 }, (_, i) => `Product ${i}`);
    strings.push('Fee-Earnings reports from 03-07-2021 to 04-05-2021', 'Home & Kitchen', 'shop-20');
    const header = [...EARNINGS_COLUMNS];
    const row = (name: number) => [
      { s: 70_001 },
      { s: name },
      'B000000001',
      'Amazon.com',
      { s: 70_002 },
      '2021-03-08 10:00:00',
      12.5,
      1,
      0,
      12.5,
      0.38,
      'PHONE',
    ];
    const path = await writeXlsx(tmp('big-sst.xlsx'), [{ name: 'Fee-Earnings', rows: [[{ s: 70_000 }], header, row(0), row(65_536), row(69_999)] }], {
      sharedStrings: strings,
    });
    const rows: EarningsRow[] = [];
    for await (const r of (await readReportFile(path)).rows()) rows.push(r as EarningsRow);
    expect(rows.map((r) => [r.category, r.name, r.trackingId])).toEqual([
      ['Home & Kitchen', 'Product 0', 'shop-20'],
      ['Home & Kitchen', 'Product 65536', 'shop-20'],
      ['Home & Kitchen', 'Product 69999', 'shop-20'],
    ]);
  });
});
