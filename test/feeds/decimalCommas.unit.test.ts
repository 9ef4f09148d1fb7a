// `1,234` is one thousand two hundred and thirty-four in a US report and 1.234 in a German one: the decimal mark is
// decided once per report (from its figures, else its store), and a figure that would read differently under the
// other decision is never read silently.
import { describe, expect, it } from 'vitest';
import { Invalid, decimalMarkOf, parseMoney, parseReportDate } from '../../src/domain/feeds/cellValues.ts';
import { readReportFile, type FeedItem, type RowError } from '../../src/domain/feeds/index.ts';
import { UserError } from '../../src/errors.ts';
import { tempDir, toDelimited, writeText } from './support/files.ts';

const tmp = tempDir();
let n = 0;
const csv = (rows: string[][], delimiter = ';') => writeText(tmp(`d${n++}.csv`), toDelimited(rows, { delimiter }));

async function items(path: string, marketplace?: string): Promise<FeedItem[]> {
  const out: FeedItem[] = [];
  for await (const i of (await readReportFile(path, marketplace ? { marketplace } : {})).rows()) out.push(i);
  return out;
}

describe('when one money cell is read under a decided mark', () => {
  it('then decimal commas read with points as thousands separators, to the cent', () => {
    expect(parseMoney('12,34', 'EUR', ',')).toBe(1234);
    expect(parseMoney('1.234,56', 'EUR', ',')).toBe(123456);
    expect(parseMoney('1.234.567,8', 'EUR', ',')).toBe(123456780);
    expect(parseMoney('-0,07', 'EUR', ',')).toBe(-7);
    expect(parseMoney('1.234', 'EUR', ',')).toBe(123400);
    expect(parseMoney('24,630000000000003', 'EUR', ',')).toBe(2463);
    expect(parseMoney('12', 'PLN', ',')).toBe(1200);
  });

  it('then three digits after the decimal mark are refused in either convention, never read as a thousand or rounded', () => {
    expect(parseMoney('1,234', 'EUR', ',')).toEqual(new Invalid('is ambiguous: three digits after the decimal comma read like a thousands group (EUR has 2)'));
    expect(parseMoney('1.234', 'USD', '.')).toEqual(new Invalid('is ambiguous: three digits after the decimal point read like a thousands group (USD has 2)'));
    expect(parseMoney('1.234', 'JPY', '.')).toEqual(
      new Invalid('is ambiguous: three digits after the decimal point read like a thousands group (JPY has no decimals)'),
    );
    // The thousands separator of the report's own convention is fine.
    expect(parseMoney('1,234', 'USD', '.')).toBe(123400);
    expect(parseMoney('1,234', 'JPY', '.')).toBe(1234);
  });

  it("then the other convention's decimals are refused with the reason", () => {
    expect(parseMoney('12.34', 'EUR', ',')).toEqual(new Invalid('has a decimal point, but this report writes decimal commas'));
    expect(parseMoney('1,234.56', 'EUR', ',')).toEqual(new Invalid('has a decimal point, but this report writes decimal commas'));
    expect(parseMoney('12,34', 'USD', '.')).toEqual(new Invalid('is not a number'));
    expect(parseMoney('12,34 €', 'EUR', ',')).toEqual(new Invalid('is not a number'));
  });

  it('then a cell tells the mark only when just one reading is valid', () => {
    const told = (t: string) => decimalMarkOf(t);
    expect(['12.34', '0.5', '1,234.56', '1,234,567', '24.630000000000003', '1.5E-2'].map(told)).toEqual(['.', '.', '.', '.', '.', '.']);
    expect(['12,34', '0,5', '1.234,56', '1.234.567', '-0,07'].map(told)).toEqual([',', ',', ',', ',', ',']);
    expect(['12', '-3', '1,234', '1.234', '', 'n/a', '1.234,567.8'].map(told)).toEqual([null, null, null, null, null, null, null]);
  });

  it('then dotted dates read day first, and only as calendar dates', () => {
    const now = Date.UTC(2021, 5, 1);
    expect(parseReportDate('25.03.2021 14:00:00', now)).toBe('2021-03-25T14:00:00');
    expect(parseReportDate('5.3.2021 9:05', now)).toBe('2021-03-05T09:05:00');
    expect(parseReportDate('25.03.2021', now)).toBe('2021-03-25');
    expect(parseReportDate('03.25.2021', now)).toEqual(new Invalid('is not a calendar date'));
    expect(parseReportDate('29.02.2021', now)).toEqual(new Invalid('is not a calendar date'));
    expect(parseReportDate('03/25/2021', now)).toEqual(new Invalid('is not a date (expected YYYY-MM-DD HH:MM:SS)'));
  });
});

const HEADER = ['Name', 'Date Shipped', 'Tracking Id', 'Quantity', 'Ad Fees'];
const bounty = (fee: string, seller = 'shop-21') => ['Prime', '2021-03-29', seller, '1', fee];

describe("when a report's decimal mark is decided", () => {
  it('then its own figures decide: the same `1.234` is 1234 beside `12,50` and refused beside `12.50`', async () => {
    expect(await items(await csv([HEADER, bounty('12,50'), bounty('1.234')]), 'DE')).toMatchObject([
      { kind: 'bounty', adFeesMinor: 1250 },
      { kind: 'bounty', adFeesMinor: 123400 },
    ]);
    const dot = await items(await csv([HEADER, bounty('12.50'), bounty('1.234')]), 'DE');
    expect(dot[0]).toMatchObject({ kind: 'bounty', adFeesMinor: 1250 });
    expect(dot[1]).toMatchObject({ kind: 'error', line: 3, problems: [{ column: 'Ad Fees', value: '1.234' }] });
  });

  it('then figures that tell nothing leave it to the store: a comma store reads `1.234` as 1234, a point store refuses it', async () => {
    const path = await csv([HEADER, bounty('3'), bounty('1.234')]);
    const de = await readReportFile(path, { marketplace: 'DE' });
    expect(de.reports[0]!.decimalMark).toBe(',');
    expect(await items(path, 'DE')).toMatchObject([{ adFeesMinor: 300 }, { adFeesMinor: 123400 }]);
    const uk = await readReportFile(path, { marketplace: 'UK' });
    expect(uk.reports[0]!.decimalMark).toBe('.');
    expect((await items(path, 'UK'))[1]).toMatchObject({ kind: 'error', problems: [{ message: expect.stringMatching(/^is ambiguous/) }] });
  });

  it('then a report whose first rows show both marks is refused whole, quoting one of each', async () => {
    const path = await csv([HEADER, bounty('12,50'), bounty('3'), bounty('7.25')]);
    const err = await readReportFile(path, { marketplace: 'DE' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      'The report (Bounty): money is written both with decimal points (Ad Fees "7.25" on line 4) and with decimal commas (Ad Fees "12,50" on line 2); cannot tell which separates thousands',
    );
  });

  it('then a stray figure past the rows the decision was made on becomes a row error with the reason, the rest read', async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => bounty(`${i},50`));
    rows[2400] = bounty('7.25');
    const all = await items(await csv([HEADER, ...rows]), 'FR');
    const errors = all.filter((i): i is RowError => i.kind === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toBe('Bounty line 2402: Ad Fees "7.25" has a decimal point, but this report writes decimal commas');
    expect(all.filter((i) => i.kind === 'bounty').reduce((a, i) => a + (i.kind === 'bounty' ? i.adFeesMinor : 0), 0)).toBe(
      Array.from({ length: 2500 }, (_, i) => i * 100 + 50).reduce((a, b) => a + b, 0) - (2400 * 100 + 50),
    );
  });

  it('then each report of a file decides for itself', async () => {
    const dotted = await readReportFile(await csv([HEADER, bounty('12.50')], ','), { marketplace: 'DE' });
    expect(dotted.reports[0]!.decimalMark).toBe('.');
    expect(await items(await csv([HEADER, bounty('12.50')], ','), 'DE')).toMatchObject([{ adFeesMinor: 1250 }]);
  });
});

describe("when a title's dates read both month first and day first", () => {
  const ORDERS = ['Category', 'Name', 'ASIN', 'Date', 'Qty', 'Price', 'Link Type', 'Tag', 'Indirect Sales', 'Device Type Group'];
  const order = (date: string) => ['Home', 'Lamp', 'B000000001', date, '1', '12.50', 'Text Only', 'shop-21', 'ndi', 'PHONE'];
  const TITLE = ['Fee-Orders reports from 03-01-2024 to 02-01-2025'];
  const windowOf = async (...dates: string[]) =>
    (await readReportFile(await csv([TITLE, ORDERS, ...dates.map(order)], ','), { marketplace: 'IT', now: new Date('2025-06-01') })).reports[0]!.window;

  it('then the rows decide: an order from 10 January 2024 only fits 3 January to 2 January', async () => {
    expect(await windowOf('2024-03-05', '2024-01-10 12:00:00')).toEqual({ start: '2024-01-03', end: '2025-01-02' });
  });

  it('then an order from 20 January 2025 only fits 1 March to 1 February, the documented month-first reading', async () => {
    expect(await windowOf('2024-03-05', '2025-01-20')).toEqual({ start: '2024-03-01', end: '2025-02-01' });
  });

  it('then rows that fit both keep the documented month-first reading', async () => {
    expect(await windowOf('2024-03-05', '2024-12-24')).toEqual({ start: '2024-03-01', end: '2025-02-01' });
  });

  it('then a date that is only valid day first is read day first', async () => {
    const report = await readReportFile(await csv([['Fee-Orders reports from 15-01-2024 to 14-02-2024'], ORDERS, order('2024-01-20')], ','), {
      marketplace: 'IT',
    });
    expect(report.reports[0]!.window).toEqual({ start: '2024-01-15', end: '2024-02-14' });
  });
});
