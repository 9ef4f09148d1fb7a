// Workbooks re-saved by Excel differ from Amazon's: shared strings, serial dates, skipped cells, no title row.
import { describe, expect, it } from 'vitest';
import { readReportFile, type FeedItem } from '../../src/domain/feeds/index.ts';
import { tempDir, writeXlsx } from './support/files.ts';

const tmp = tempDir();

async function items(path: string): Promise<FeedItem[]> {
  const out: FeedItem[] = [];
  for await (const i of (await readReportFile(path)).rows()) out.push(i);
  return out;
}

const HEADER = ['Name', 'Date Shipped', 'Tracking Id', 'Quantity', 'Ad Fees(£)'];

describe('when a workbook stores text in the shared-string table and dates as serial numbers', () => {
  it('then shared strings resolve, serial dates convert, and exponent numbers stay exact', async () => {
    const path = await writeXlsx(
      tmp('shared.xlsx'),
      [
        {
          name: 'Bounty',
          rows: [
            [{ s: 0 }],
            HEADER.map((_, i) => ({ s: i + 1 })),
            [{ s: 6 }, 44291.5, { s: 7 }, 1, 3],
            [{ s: 6 }, 44292, { s: 7 }, 2, { n: '2.5E-1' }],
            // More digits than a double holds: read as written this is 0.0149… → 1p; through a float it would be 0.015 → 2p.
            [{ s: 6 }, 44292, { s: 7 }, 1, { n: '0.0149999999999999999999' }],
          ],
        },
      ],
      { sharedStrings: ['Bounty reports from 04-01-2021 to 04-30-2021', ...HEADER, 'Audible & <Trial>', 'shop-21'] },
    );
    const file = await readReportFile(path);
    expect(file.marketplace).toEqual({ code: 'UK', currency: 'GBP', source: 'header' });
    expect(file.reports[0]).toMatchObject({ kind: 'bounty', window: { start: '2021-04-01', end: '2021-04-30' } });
    expect(await items(path)).toMatchObject([
      { kind: 'bounty', line: 3, name: 'Audible & <Trial>', shippedAt: '2021-04-05T12:00:00', quantity: 1, adFeesMinor: 300, currency: 'GBP' },
      { kind: 'bounty', line: 4, shippedAt: '2021-04-06', quantity: 2, adFeesMinor: 25 },
      { kind: 'bounty', line: 5, adFeesMinor: 1 },
    ]);
  });

  it('then the 1904 date system shifts serials by its own epoch', async () => {
    const path = await writeXlsx(tmp('1904.xlsx'), [{ name: 'Sheet1', rows: [HEADER, ['Trial', 42829, 'shop-21', 1, 3]] }], { date1904: true });
    expect(await items(path)).toMatchObject([{ kind: 'bounty', shippedAt: '2021-04-05', line: 2 }]);
  });

  it('then a skipped (empty) cell keeps the following cells in their columns', async () => {
    const path = await writeXlsx(tmp('sparse.xlsx'), [
      { name: 'Bounty', rows: [HEADER, ['', '2021-04-05', 'shop-21', 1, 3], [], ['Trial', '2021-04-05', 'shop-21', 1, 3]] },
    ]);
    expect(await items(path)).toMatchObject([
      { kind: 'bounty', name: '', trackingId: 'shop-21', line: 2 },
      { kind: 'bounty', name: 'Trial', line: 4 },
    ]);
  });

  it('then a sheet named for a report but missing columns is rejected with the sheet and columns named', async () => {
    const path = await writeXlsx(tmp('missing.xlsx'), [
      {
        name: 'Fee-Earnings',
        rows: [
          ['Name', 'Tracking ID'],
          ['Lamp', 'shop-20'],
        ],
      },
    ]);
    await expect(readReportFile(path)).rejects.toThrow(/Sheet "Fee-Earnings" \(Fee-Earnings\): missing required columns "Category", "ASIN"/);
  });
});
