// The US Fee-Earnings sheet re-written as every CSV/TSV shape Amazon or a spreadsheet produces: each must read
// to exactly the rows the workbook gives.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { lineContent, readReportFile, type EarningsRow, type ReportFile } from '../../src/domain/feeds/index.ts';
import { FIXTURES, fixtureSheetCells, tempDir, toDelimited, writeText, writeZip } from './support/files.ts';

const tmp = tempDir();

/** The earnings rows of a report; anything else in its first report (an error row) fails the test. */
async function earningsOf(report: ReportFile): Promise<EarningsRow[]> {
  const rows: EarningsRow[] = [];
  for await (const item of report.rows()) {
    if (item.report !== 0) continue;
    if (item.kind !== 'earnings') throw new Error(`unexpected ${item.kind}: ${'message' in item ? item.message : ''}`);
    rows.push(item);
  }
  return rows;
}

const summary = (rows: EarningsRow[]) => {
  const byTracking: Record<string, number> = {};
  for (const r of rows) byTracking[r.trackingId] = (byTracking[r.trackingId] ?? 0) + r.adFeesMinor;
  return {
    rows: rows.length,
    returns: rows.filter((r) => r.returns === 1 && r.itemsShipped === 0).length,
    adFees: rows.reduce((a, r) => a + r.adFeesMinor, 0),
    revenue: rows.reduce((a, r) => a + r.revenueMinor, 0),
    byTracking,
  };
};

describe('when the US Fee-Earnings sheet is exported as CSV in its various shapes', async () => {
  const xlsx = await earningsOf(await readReportFile(join(FIXTURES, 'us-2021-03-all-reports.xlsx')));
  const cells = await fixtureSheetCells('us-2021-03-all-reports.xlsx', 'xl/worksheets/sheet2.xml');
  const [title, header, ...data] = cells;
  const withTitle = [title!, header!, ...data];
  // Some exporters print numbers with two decimals rather than the float text the workbook stores.
  const tidy = (row: string[]) => row.map((c) => (/^-?\d+\.\d+$/.test(c) && c.length > 8 ? (Math.round(Number(c) * 100) / 100).toFixed(2) : c));

  const variants: Record<string, () => Promise<string>> = {
    'quoted CSV': async () => writeText(tmp('quoted.csv'), toDelimited(withTitle, { quoteAll: true })),
    'minimally quoted CSV': async () => writeText(tmp('plain.csv'), toDelimited(withTitle)),
    'CSV with a BOM': async () => writeText(tmp('bom.csv'), toDelimited(withTitle, { bom: true })),
    'CSV with CRLF line ends': async () => writeText(tmp('crlf.csv'), toDelimited(withTitle, { eol: '\r\n' })),
    TSV: async () => writeText(tmp('report.tsv'), toDelimited(withTitle, { delimiter: '\t' })),
    'CSV without a title line': async () => writeText(tmp('untitled.csv'), toDelimited([header!, ...data])),
    'CSV with two-decimal numbers': async () => writeText(tmp('tidy.csv'), toDelimited([title!, header!, ...data.map(tidy)])),
    'zipped CSV': async () => writeZip(tmp('report.zip'), { 'Fee-Earnings.csv': toDelimited(withTitle, { bom: true, eol: '\r\n' }) }),
    'zipped TSV with a folder entry and macOS metadata': async () =>
      writeZip(tmp('report-tsv.zip'), {
        '__MACOSX/._Fee-Earnings.tsv': 'junk',
        'export/Fee-Earnings.tsv': toDelimited(withTitle, { delimiter: '\t' }),
      }),
  };

  for (const [name, make] of Object.entries(variants)) {
    it(`then the ${name} gives the workbook's rows, totals and per-tracking-ID Ad Fees`, async () => {
      const report = await readReportFile(await make());
      expect(report.marketplace).toEqual({ code: 'US', currency: 'USD', source: 'seller' });
      expect(report.reports).toHaveLength(1);
      expect(report.reports[0]!.kind).toBe('earnings');
      const rows = await earningsOf(report);
      expect(summary(rows)).toEqual(summary(xlsx));
      expect(summary(rows)).toMatchObject({ rows: 5217, returns: 316, adFees: 1235772 });
      // Row by row, the content is identical (positions differ: sheet rows vs CSV lines).
      expect(rows.map(lineContent)).toEqual(xlsx.map(lineContent));
    });
  }

  it('then format, zip and window are reported for each shape', async () => {
    const tsv = await readReportFile(await variants['TSV']!());
    expect([tsv.format, tsv.zipped]).toEqual(['tsv', false]);
    expect(tsv.reports[0]!.window).toEqual({ start: '2021-03-07', end: '2021-04-05' });
    const zipped = await readReportFile(await variants['zipped CSV']!());
    expect([zipped.format, zipped.zipped]).toEqual(['csv', true]);
    const untitled = await readReportFile(await variants['CSV without a title line']!());
    expect(untitled.reports[0]).toMatchObject({ kind: 'earnings', title: null, window: null, headerLine: 1 });
  });

  it('then CSV line numbers count physical lines, including newlines inside quoted names', async () => {
    const rows = [title!, header!, ...data.slice(0, 3)];
    rows[3] = [...rows[3]!];
    rows[3][1] = 'Two-line\nname, with "quotes"';
    const report = await readReportFile(writeText(tmp('multiline.csv'), toDelimited(rows, { eol: '\r\n' })));
    const got = await earningsOf(report);
    expect(got.map((r) => r.line)).toEqual([3, 4, 6]);
    expect(got[1]!.name).toBe('Two-line\nname, with "quotes"');
  });
});
