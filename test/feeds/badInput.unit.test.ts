// What arrives is not always a clean report: whole-file problems are UserErrors, cell problems are row errors.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readReportFile, type FeedItem, type RowError } from '../../src/domain/feeds/index.ts';
import { UserError } from '../../src/errors.ts';
import { tempDir, toDelimited, writeText, writeXlsx, writeZip } from './support/files.ts';
import { EARNINGS_COLUMNS, earningsCells } from '../support/reportColumns.ts';

const tmp = tempDir();
let n = 0;
const file = (ext: string, body: string | Buffer) => writeText(tmp(`b${n++}.${ext}`), body);

async function items(path: string, opts: { marketplace?: string; now?: Date } = {}): Promise<FeedItem[]> {
  const out: FeedItem[] = [];
  for await (const i of (await readReportFile(path, opts)).rows()) out.push(i);
  return out;
}
const errors = (all: FeedItem[]) => all.filter((i): i is RowError => i.kind === 'error');

const TITLE = ['Fee-Earnings reports from 03-07-2021 to 04-05-2021'];
const HEADER: string[] = [...EARNINGS_COLUMNS];
const earningsCsv = (...rows: string[][]) => file('csv', toDelimited([TITLE, HEADER, ...rows]));

describe('when the file is not a report at all', () => {
  it('then an empty file is a UserError saying so', async () => {
    await expect(readReportFile(await file('csv', ''))).rejects.toThrow(new UserError('invalid_input', 'The file is empty'));
    await expect(readReportFile(await file('csv', '\uFEFF \r\n\n'))).rejects.toThrow(/empty/);
  });

  it('then binary junk is a UserError, whatever its extension', async () => {
    const junk = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0xff, 0xfe]), randomBytes(4096)]);
    await expect(readReportFile(await file('csv', junk))).rejects.toThrow(UserError);
    await expect(readReportFile(await file('xlsx', junk))).rejects.toThrow(/neither a report workbook|binary/);
    await expect(readReportFile(await file('xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])))).rejects.toThrow(/\.xls/);
    await expect(readReportFile(await file('zip', Buffer.concat([Buffer.from('PK\x03\x04'), randomBytes(200)])))).rejects.toThrow(UserError);
  });

  it('then a workbook holding only sheets we do not ingest is rejected, naming the sheets', async () => {
    const path = await writeXlsx(tmp('tracking.xlsx'), [
      {
        name: 'Fee-Tracking',
        rows: [
          ['Tracking ID summary from 03-07-2021 to 04-05-2021'],
          ['Tracking ID', 'Clicks', 'Items Shipped', 'Revenue($)', 'Ad Fees($)'],
          ['shop-20', 5, 1, 12.5, 0.38],
        ],
      },
      { name: 'Fee-DailyTrends', rows: [['Daily Trends from 03-07-2021 to 04-05-2021'], ['Date', 'Clicks'], ['2021-03-07', 4]] },
    ]);
    await expect(readReportFile(path)).rejects.toThrow(
      /No Fee-Earnings, Fee-Orders or Bounty report in this workbook \(sheets: Fee-Tracking, Fee-DailyTrends\)/,
    );
  });

  it('then a CSV of another report type or of no report is rejected', async () => {
    await expect(readReportFile(await file('csv', 'Fee-Tracking reports from 03-07-2021 to 04-05-2021\nTracking ID,Clicks\nshop-20,4\n'))).rejects.toThrow(
      /"Fee-Tracking" reports are not ingested/,
    );
    await expect(readReportFile(await file('csv', 'id,colour\n1,red\n'))).rejects.toThrow(/Not a recognisable Amazon report/);
    await expect(readReportFile(await file('csv', `${TITLE[0]}\n`))).rejects.toThrow(/no header line/);
  });

  it('then a ZIP holding several files or none is rejected', async () => {
    await expect(readReportFile(await writeZip(tmp('two.zip'), { 'a.csv': 'x', 'b.csv': 'y' }))).rejects.toThrow(/holds 2 files/);
    await expect(readReportFile(await writeZip(tmp('none.zip'), { '__MACOSX/._a.csv': 'x' }))).rejects.toThrow(/no report file/);
  });

  it('then a quote left open for over a megabyte is refused rather than buffered', async () => {
    const path = await file('csv', toDelimited([TITLE, HEADER, earningsCells()]) + `Home,"${'x'.repeat(1_100_000)}`);
    await expect(items(path)).rejects.toThrow(/unclosed quote/);
  });
});

describe('when single cells are bad', () => {
  it('then text in a number column is a row error naming the line and column, and the good rows still come', async () => {
    const all = await items(await earningsCsv(earningsCells(), earningsCells({ 'Items Shipped': 'one' }), earningsCells({ 'Price($)': '' }), earningsCells()));
    expect(all.map((i) => i.kind)).toEqual(['earnings', 'error', 'error', 'earnings']);
    const [e1, e2] = errors(all);
    expect(e1).toMatchObject({ line: 4, problems: [{ column: 'Items Shipped', value: 'one', message: 'is not a number' }] });
    expect(e1!.message).toBe('Fee-Earnings line 4: Items Shipped "one" is not a number');
    expect(e2!.problems).toEqual([{ column: 'Price($)', value: '', message: 'is empty' }]);
  });

  it('then absurd or impossible quantities are row errors', async () => {
    const all = await items(
      await earningsCsv(
        earningsCells({ 'Items Shipped': '250000' }),
        earningsCells({ Returns: '-1' }),
        earningsCells({ 'Items Shipped': '1.5' }),
        earningsCells({ 'Items Shipped': '100000', 'Revenue($)': '1250000.00' }),
      ),
    );
    expect(errors(all).map((e) => e.problems[0]!.message)).toEqual(['is implausibly large (over 100000)', 'cannot be negative', 'is not a whole number']);
    expect(all[3]).toMatchObject({ kind: 'earnings', itemsShipped: 100000, revenueMinor: 125000000 });
  });

  it('then dates before 1996, more than a day ahead, or not on the calendar are row errors', async () => {
    const now = new Date('2021-04-06T00:00:00Z');
    const all = await items(
      await earningsCsv(
        earningsCells({ 'Date Shipped': '1995-12-31 23:59:59' }),
        earningsCells({ 'Date Shipped': '2021-04-07 06:00:00' }),
        earningsCells({ 'Date Shipped': '2021-02-30' }),
        earningsCells({ 'Date Shipped': '04/01/2021' }),
        earningsCells({ 'Date Shipped': '2021-04-06 20:00:00' }),
      ),
      { now },
    );
    expect(errors(all).map((e) => e.problems[0]!.message)).toEqual([
      'is before 1996',
      'is in the future',
      'is not a calendar date',
      'is not a date (expected YYYY-MM-DD HH:MM:SS)',
    ]);
    expect(all[4]).toMatchObject({ kind: 'earnings', shippedAt: '2021-04-06T20:00:00' });
  });

  it('then a 10,000-character name is cut to 150 characters and the row is kept', async () => {
    const all = await items(await earningsCsv(earningsCells({ Name: 'é'.repeat(10_000) }), earningsCells({ Name: `${'a'.repeat(149)}😀tail` })));
    expect(all.map((i) => i.kind)).toEqual(['earnings', 'earnings']);
    const [a, b] = all as Array<{ name: string }>;
    expect(a!.name).toBe('é'.repeat(150));
    expect(b!.name).toBe(`${'a'.repeat(149)}😀`);
  });

  it('then formula-looking text is kept verbatim in text columns and is an error in number columns', async () => {
    const hyperlink = '=HYPERLINK("http://evil.example","click")';
    const all = await items(
      await earningsCsv(
        earningsCells({ Name: hyperlink, Category: '@SUM(A1)', 'Device Type Group': '+cmd|calc' }),
        earningsCells({ 'Ad Fees($)': '=1+1' }),
        earningsCells({ 'Price($)': '-cmd' }),
        earningsCells({ 'Ad Fees($)': '-0.38', 'Revenue($)': '+12.50' }),
      ),
    );
    expect(all[0]).toMatchObject({ kind: 'earnings', name: hyperlink, category: '@SUM(A1)', deviceType: '+cmd|calc' });
    expect(errors(all).map((e) => e.problems[0])).toEqual([
      { column: 'Ad Fees($)', value: '=1+1', message: 'looks like a formula, not a number' },
      { column: 'Price($)', value: '-cmd', message: 'looks like a formula, not a number' },
    ]);
    expect(all[3]).toMatchObject({ kind: 'earnings', adFeesMinor: -38, revenueMinor: 1250 });
  });

  it("then delimiter-only lines (a spreadsheet's empty rows) are skipped, not errors", async () => {
    const path = await file('csv', toDelimited([TITLE, HEADER, earningsCells(), HEADER.map(() => ''), earningsCells()]) + ',,,\r\n');
    expect((await items(path)).map((i) => [i.kind, i.line])).toEqual([
      ['earnings', 3],
      ['earnings', 5],
    ]);
  });

  it('then every bad cell of a row is listed in its one error', async () => {
    const all = await items(await earningsCsv(earningsCells({ ASIN: 'nope', 'Tracking ID': '', 'Revenue($)': 'n/a' })));
    expect(errors(all)[0]!.problems.map((p) => p.column)).toEqual(['ASIN', 'Tracking ID', 'Revenue($)']);
  });

  it('then a sheet row reports its sheet and row number, and a formula cell yields its cached text unevaluated', async () => {
    const path = await writeXlsx(tmp('cells.xlsx'), [
      {
        name: 'Fee-Earnings',
        rows: [
          TITLE,
          HEADER,
          earningsCells().map((c, i) => (i === 1 ? { formula: 'HYPERLINK("http://x","Lamp")', cached: 'Lamp' } : c)),
          earningsCells({ Returns: 'lots' }),
        ],
      },
    ]);
    const all = await items(path);
    expect(all[0]).toMatchObject({ kind: 'earnings', name: 'Lamp', sheet: 'Fee-Earnings', line: 3 });
    expect(all[1]).toMatchObject({ kind: 'error', sheet: 'Fee-Earnings', line: 4 });
    expect((all[1] as RowError).message).toBe('Fee-Earnings (sheet "Fee-Earnings") row 4: Returns "lots" is not a number');
  });
});
