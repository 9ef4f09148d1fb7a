// Amazon writes its report text HTML-escaped (`Health &amp; Personal Care`, `Ben &amp; Jerry&#39;s`): text columns
// come out decoded, once; money, dates, counts, ASINs and tracking IDs are never touched.
import { describe, expect, it } from 'vitest';
import { decodeHtmlEntities } from '../../src/domain/feeds/cellValues.ts';
import { readReportFile, type EarningsRow, type FeedItem, type OrdersRow, type RowError } from '../../src/domain/feeds/index.ts';
import { tempDir, toDelimited, writeText, writeXlsx } from './support/files.ts';
import { EARNINGS_COLUMNS, earningsCells } from '../support/reportColumns.ts';

const tmp = tempDir();
let n = 0;

async function items(path: string): Promise<FeedItem[]> {
  const out: FeedItem[] = [];
  for await (const i of (await readReportFile(path)).rows()) out.push(i);
  return out;
}

const TITLE = ['Fee-Earnings reports from 03-07-2021 to 04-05-2021'];
const HEADER: string[] = [...EARNINGS_COLUMNS];

describe('when a text cell carries HTML entities', () => {
  it.each([
    ['Health &amp; Personal Care', 'Health & Personal Care'],
    ['Ben &amp; Jerry&#39;s', "Ben & Jerry's"],
    ['&quot;Cookie&quot; Dough', '"Cookie" Dough'],
    ['Caf&eacute; Cr&egrave;me &ndash; 2&nbsp;Pack&trade;', 'Café Crème – 2\u00a0Pack™'],
    ['Frog &#x26; Newt &#8212; 9oz', 'Frog & Newt — 9oz'],
    ['&lt;b&gt;Bold&lt;/b&gt; &apos;x&apos;', "<b>Bold</b> 'x'"],
  ])('then %j reads %j', (raw, decoded) => {
    expect(decodeHtmlEntities(raw)).toBe(decoded);
  });

  it.each([
    ['decoded once only', '&amp;lt;b&amp;gt;', '&lt;b&gt;'],
    ['an unknown name stays', 'AT&T; R&D &bogus;', 'AT&T; R&D &bogus;'],
    ['an ampersand without a semicolon stays', 'Salt & Pepper &amp', 'Salt & Pepper &amp'],
    ['NUL, a lone surrogate and a value past Unicode stay', '&#0; &#xD800; &#x110000;', '&#0; &#xD800; &#x110000;'],
    ['text without & is returned as it is', 'Plain text', 'Plain text'],
  ])('then %s', (_why, raw, decoded) => {
    expect(decodeHtmlEntities(raw)).toBe(decoded);
  });
});

describe('when a CSV report carries HTML-escaped text', () => {
  it('then category, name, seller, link type and device type are decoded, cut at 150 characters after decoding', async () => {
    const long = `${'A'.repeat(140)} &amp; ${'B'.repeat(20)}`;
    const path = writeText(
      tmp(`e${n++}.csv`),
      toDelimited([
        TITLE,
        HEADER,
        earningsCells({
          Category: 'Health &amp; Personal Care',
          Name: 'Ben &amp; Jerry&#39;s &quot;Half Baked&quot;',
          Seller: 'Caf&eacute; Shop',
          'Device Type Group': 'PHONE &amp; TABLET',
        }),
        earningsCells({ Name: long }),
      ]),
    );
    const [first, second] = (await items(path)) as EarningsRow[];
    expect(first).toMatchObject({ category: 'Health & Personal Care', name: 'Ben & Jerry\'s "Half Baked"', seller: 'Café Shop', deviceType: 'PHONE & TABLET' });
    expect(second!.name).toBe(`${'A'.repeat(140)} & ${'B'.repeat(7)}`);
  });

  it('then a Fee-Orders link type is decoded too', async () => {
    const header = ['Category', 'Name', 'ASIN', 'Date', 'Qty', 'Price($)', 'Link Type', 'Tag', 'Indirect Sales', 'Device Type Group'];
    const path = writeText(
      tmp(`e${n++}.tsv`),
      toDelimited(
        [
          ['Fee-Orders reports from 03-07-2021 to 04-05-2021'],
          header,
          ['Toys &amp; Games', 'Lego', 'B000000002', '2021-03-08 10:00:00', '1', '20.00', 'Text &amp; Image', 'shop-20', 'ndi', 'DESKTOP'],
        ],
        { delimiter: '\t' },
      ),
    );
    const [order] = (await items(path)) as OrdersRow[];
    expect(order).toMatchObject({ category: 'Toys & Games', linkType: 'Text & Image', trackingId: 'shop-20', priceMinor: 2000 });
  });

  it('then money, dates, counts, ASINs and tracking IDs are never decoded: an escaped figure is still a row error', async () => {
    const path = writeText(
      tmp(`e${n++}.csv`),
      toDelimited([
        TITLE,
        HEADER,
        earningsCells({ 'Price($)': '12&#46;50' }),
        earningsCells({ 'Date Shipped': '2021&#45;03-08' }),
        earningsCells({ 'Items Shipped': '&#49;' }),
        earningsCells({ ASIN: 'B00000000&#49;' }),
        earningsCells({ 'Tracking ID': 'shop&#45;20' }),
      ]),
    );
    const all = await items(path);
    expect((all.slice(0, 4) as RowError[]).map((e) => [e.kind, e.problems.map((p) => p.column)])).toEqual([
      ['error', ['Price($)']],
      ['error', ['Date Shipped']],
      ['error', ['Items Shipped']],
      ['error', ['ASIN']],
    ]);
    expect(all[4]).toMatchObject({ kind: 'earnings', trackingId: 'shop&#45;20' });
  });
});

describe("when a workbook carries the same escaping (as Amazon's real XLSX downloads do)", () => {
  it('then its text is decoded the same way, so one report reads alike as CSV and as XLSX', async () => {
    const cells = earningsCells({ Category: 'Health &amp; Personal Care Appliances', Name: 'Zoo Med Aquatic Frog &amp; Newt Diet 9oz' });
    const xlsx = await writeXlsx(tmp(`e${n++}.xlsx`), [{ name: 'Fee-Earnings', rows: [TITLE, HEADER, cells] }]);
    const csv = writeText(tmp(`e${n++}.csv`), toDelimited([TITLE, HEADER, cells]));
    const [fromXlsx] = (await items(xlsx)) as EarningsRow[];
    const [fromCsv] = (await items(csv)) as EarningsRow[];
    expect(fromXlsx).toMatchObject({ category: 'Health & Personal Care Appliances', name: 'Zoo Med Aquatic Frog & Newt Diet 9oz' });
    expect({ ...fromXlsx, sheet: null }).toEqual(fromCsv);
  });
});
