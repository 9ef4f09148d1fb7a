// Reports from Amazon's non-English stores: translated headers (amazon.it's confirmed from real downloads, the others
// inferred, see reportColumns.ts), money with decimal commas, and the store told by the header's language.
import { describe, expect, it } from 'vitest';
import { readReportFile, type EarningsRow, type FeedItem, type OrdersRow, type ReportFile } from '../../src/domain/feeds/index.ts';
import { UserError } from '../../src/errors.ts';
import { cents, fixtureSheetCells, tempDir, toDelimited, writeText, writeXlsx } from './support/files.ts';

const tmp = tempDir();
let n = 0;
const file = (rows: string[][], opts: Parameters<typeof toDelimited>[1] = {}) =>
  writeText(tmp(`l${n++}.${opts.delimiter === '\t' ? 'tsv' : 'csv'}`), toDelimited(rows, opts));

async function all(report: ReportFile): Promise<FeedItem[]> {
  const out: FeedItem[] = [];
  for await (const i of report.rows()) out.push(i);
  return out;
}
const sum = (ns: number[]) => ns.reduce((a, b) => a + b, 0);

// The two headers exactly as amazon.it writes them (see reportColumns.ts for the source).
const IT_EARNINGS = [
  'Categoria',
  'Prodotto',
  'ASIN',
  'Venditore',
  'TrackingID',
  'Data Spedizione',
  'Prezzo (€)',
  'Prodotti spediti',
  'Resi',
  'Ricavi (€)',
  'Commissioni pubblicitarie (€)',
  'Tipo di dispositivo',
  'Acquisto idoneo diretto',
];
const IT_ORDERS = [
  'Categoria',
  'Prodotto',
  'ASIN',
  'Data',
  'Quantità',
  'Prezzo (€)',
  'Tipo di link',
  'Tag',
  'Ordini attraverso il link del prodotto',
  'Tipo di dispositivo',
];

/** `1839.99` → `1.839,99`, `-0.07` → `-0,07`: how a continental spreadsheet writes the same figure. */
function commaDecimal(dot: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(dot);
  if (!m) throw new Error(`not a decimal: ${dot}`);
  const grouped = m[2]!.replace(/\B(?=(\d{3})+$)/g, '.');
  return `${m[1]}${grouped}${m[3] === undefined ? '' : `,${m[3]}`}`;
}

describe('when the US Fee-Earnings sheet comes back as an amazon.it CSV (Italian header, decimal commas, semicolons)', async () => {
  const [title, header, ...data] = await fixtureSheetCells('us-2021-03-all-reports.xlsx', 'xl/worksheets/sheet2.xml');
  const col = (name: string) => header!.indexOf(name);
  const money = [col('Price($)'), col('Revenue($)'), col('Ad Fees($)')];
  const italian = data.map((row) => {
    const out = row.map((cell, i) => (money.includes(i) ? commaDecimal(cell) : cell));
    out[col('Seller')] = out[col('Seller')] === 'Amazon.com' ? 'Amazon.it' : out[col('Seller')]!;
    return [...out, 'N'];
  });
  // The sheet's own figures, summed here in BigInt cents from the dot-decimal text: the answer the reader must give.
  const expectedFees = data.reduce((a, r) => a + cents(r[col('Ad Fees($)')]!), 0n);
  const expectedRevenue = data.reduce((a, r) => a + cents(r[col('Revenue($)')]!), 0n);

  it("then every row reads, in euros from amazon.it, to exactly the sheet's totals", async () => {
    const path = await file([title!, IT_EARNINGS, ...italian], { delimiter: ';', bom: true, eol: '\r\n' });
    const report = await readReportFile(path);
    expect(report.marketplace).toEqual({ code: 'IT', currency: 'EUR', source: 'seller' });
    expect(report.reports[0]).toMatchObject({
      kind: 'earnings',
      headerLanguage: 'it',
      decimalMark: ',',
      ignoredColumns: ['Acquisto idoneo diretto'],
      window: { start: '2021-03-07', end: '2021-04-05' },
    });
    const items = await all(report);
    expect(items.filter((i) => i.kind === 'error')).toEqual([]);
    const rows = items as EarningsRow[];
    expect(rows).toHaveLength(5217);
    expect(BigInt(sum(rows.map((r) => r.adFeesMinor)))).toBe(expectedFees);
    expect(BigInt(sum(rows.map((r) => r.revenueMinor)))).toBe(expectedRevenue);
    expect(expectedFees).toBe(1235772n);
    // The thousands: 1.839,99 is 1839.99, not 1.83.
    expect(Math.max(...rows.map((r) => r.priceMinor))).toBe(Number(cents(String(Math.max(...data.map((r) => Number(r[col('Price($)')])))))));
    expect(rows.filter((r) => r.returns === 1 && r.itemsShipped === 0)).toHaveLength(316);
  });

  it('then the same export with commas as delimiters (money cells quoted) reads the same', async () => {
    const semicolons = await all(await readReportFile(await file([title!, IT_EARNINGS, ...italian], { delimiter: ';' })));
    const commas = await all(await readReportFile(await file([title!, IT_EARNINGS, ...italian])));
    expect(commas.map((r) => (r.kind === 'earnings' ? [r.priceMinor, r.revenueMinor, r.adFeesMinor] : r.kind))).toEqual(
      semicolons.map((r) => (r.kind === 'earnings' ? [r.priceMinor, r.revenueMinor, r.adFeesMinor] : r.kind)),
    );
  });
});

describe('when a localised report has no Seller column to name its store', () => {
  const order = (price: string, tag = 'shop-21') => ['Casa', 'Lampada', 'B000000001', '2021-03-08 10:00:00', '2', price, 'Solo testo', tag, 'ndi', 'PHONE'];

  it('then an Italian Fee-Orders header makes it amazon.it, where a bare (€) would have said amazon.de', async () => {
    const report = await readReportFile(
      await file([['Fee-Orders reports from 03-07-2021 to 04-05-2021'], IT_ORDERS, order('12,50'), order('1.234,50')], { delimiter: ';' }),
    );
    expect(report.marketplace).toEqual({ code: 'IT', currency: 'EUR', source: 'header-language' });
    expect(await all(report)).toMatchObject([
      { kind: 'orders', qty: 2, priceMinor: 1250, currency: 'EUR', indirect: true, trackingId: 'shop-21', linkType: 'Solo testo' },
      { kind: 'orders', priceMinor: 123450 },
    ]);
    const english = ['Category', 'Name', 'ASIN', 'Date', 'Qty', 'Price(€)', 'Link Type', 'Tag', 'Indirect Sales', 'Device Type Group'];
    expect((await readReportFile(await file([english, order('12.50')]))).marketplace).toEqual({ code: 'DE', currency: 'EUR', source: 'header' });
  });

  it('then a Spanish header is Spain in euros and Mexico in dollars, and a Japanese one is Japan in whole yen', async () => {
    const es = (price: string) => [
      'Categoría',
      'Nombre',
      'ASIN',
      'Fecha',
      'Cantidad',
      price,
      'Tipo de enlace',
      'Tag',
      'Ventas indirectas',
      'Tipo de dispositivo',
    ];
    const row = ['Hogar', 'Lámpara', 'B000000001', '2021-03-08', '1', '12,50', 'Texto', 'shop-21', 'di', 'PHONE'];
    expect((await readReportFile(await file([es('Precio (€)'), row], { delimiter: ';' }))).marketplace).toMatchObject({
      code: 'ES',
      source: 'header-language',
    });
    expect((await readReportFile(await file([es('Precio ($)'), row.map((c, i) => (i === 5 ? '12.50' : c))]))).marketplace).toMatchObject({
      code: 'MX',
      currency: 'MXN',
    });

    const ja = ['カテゴリー', '商品名', 'ASIN', '注文日', '数量', '価格', 'リンクタイプ', 'Tag', '間接販売', 'デバイスタイプ'];
    const report = await readReportFile(
      await file([ja, ['家電', 'ランプ', 'B000000001', '2021-03-08 10:00:00', '1', '1,980', 'テキスト', 'shop-22', 'ndi', 'PHONE']]),
    );
    expect(report.marketplace).toEqual({ code: 'JP', currency: 'JPY', source: 'header-language' });
    expect(report.reports[0]).toMatchObject({ kind: 'orders', headerLanguage: 'ja', decimalMark: '.' });
    expect(await all(report)).toMatchObject([{ kind: 'orders', priceMinor: 1980, currency: 'JPY', name: 'ランプ' }]);
  });
});

describe('when a German report arrives with a translated title, dotted dates and decimal commas (names inferred)', () => {
  const header = [
    'Kategorie',
    'Produkt',
    'ASIN',
    'Verkäufer',
    'Tracking-ID',
    'Versanddatum',
    'Preis (€)',
    'Versandte Artikel',
    'Rücksendungen',
    'Umsatz (€)',
    'Werbekostenerstattung (€)',
    'Gerätetypgruppe',
  ];
  const row = (date: string, price: string, fee: string, returned = false) => [
    'Küche',
    'Topf',
    'B000000001',
    'Amazon.de',
    'shop-21',
    date,
    price,
    returned ? '0' : '1',
    returned ? '1' : '0',
    returned ? `-${price}` : price,
    returned ? `-${fee}` : fee,
    'DESKTOP',
  ];

  it('then the window comes from the title day first, row dates day first, and money to the cent', async () => {
    const path = await file(
      [['Gebühren-Einnahmen vom 01.03.2021 bis 31.03.2021'], header, row('08.03.2021 10:00:00', '1.299,99', '38,99'), row('31.03.2021', '24,5', '0,74', true)],
      { delimiter: ';' },
    );
    const report = await readReportFile(path);
    expect(report.marketplace).toEqual({ code: 'DE', currency: 'EUR', source: 'seller' });
    expect(report.reports[0]).toMatchObject({
      kind: 'earnings',
      title: 'Gebühren-Einnahmen vom 01.03.2021 bis 31.03.2021',
      window: { start: '2021-03-01', end: '2021-03-31' },
      headerLanguage: 'de',
      decimalMark: ',',
    });
    expect(await all(report)).toMatchObject([
      { kind: 'earnings', shippedAt: '2021-03-08T10:00:00', priceMinor: 129999, revenueMinor: 129999, adFeesMinor: 3899, currency: 'EUR' },
      { kind: 'earnings', shippedAt: '2021-03-31', returns: 1, revenueMinor: -2450, adFeesMinor: -74 },
    ]);
  });

  it('then a title line it cannot read at all is passed over: the header below it still types the report', async () => {
    const path = await file([['Einnahmenbericht – März 2021'], header, row('2021-03-08 10:00:00', '12,50', '0,38')], { delimiter: ';' });
    const report = await readReportFile(path);
    expect(report.reports[0]).toMatchObject({ kind: 'earnings', title: null, window: null, headerLine: 2 });
    expect(await all(report)).toMatchObject([{ kind: 'earnings', line: 3, priceMinor: 1250, adFeesMinor: 38 }]);
  });

  it('then a translated workbook sheet reads the same as the CSV', async () => {
    const path = await writeXlsx(tmp('de.xlsx'), [{ name: 'Einnahmen', rows: [header, row('08.03.2021 10:00:00', '1.299,99', '38,99')] }]);
    expect(await all(await readReportFile(path))).toMatchObject([{ kind: 'earnings', priceMinor: 129999, adFeesMinor: 3899, currency: 'EUR' }]);
  });
});

describe('when a localised header lacks a required column', () => {
  it('then the error names the missing columns (in English) and says which language the header is in', async () => {
    const header = IT_ORDERS.filter((h) => h !== 'Quantità' && h !== 'Tipo di link');
    const path = await file([header, ['Casa', 'Lampada', 'B000000001', '2021-03-08', '12,50', 'shop-21', 'ndi', 'PHONE']], { delimiter: ';' });
    const err = await readReportFile(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe('The report (Fee-Orders): missing required columns "Qty", "Link Type" (named in English; this header is in Italian)');
  });
});

describe('when the orders of a localised store are compared with its earnings', () => {
  it('then both sheets of an Italian workbook share the store and the decimal mark each shows', async () => {
    const path = await writeXlsx(tmp('it.xlsx'), [
      {
        name: 'Fee-Orders',
        rows: [
          ['Fee-Orders reports from 03-07-2021 to 04-05-2021'],
          IT_ORDERS,
          ['Casa', 'Lampada', 'B000000001', '2021-03-08 10:00:00', 1, { n: '12.5' }, 'Solo testo', 'shop-21', 'di', 'PHONE'],
        ],
      },
      {
        name: 'Fee-Earnings',
        rows: [
          ['Fee-Earnings reports from 03-07-2021 to 04-05-2021'],
          IT_EARNINGS,
          ['Casa', 'Lampada', 'B000000001', 'Amazon.it', 'shop-21', '2021-03-09 10:00:00', { n: '12.5' }, 1, 0, { n: '12.5' }, { n: '0.38' }, 'PHONE', 'Y'],
        ],
      },
    ]);
    const report = await readReportFile(path);
    expect(report.marketplace).toEqual({ code: 'IT', currency: 'EUR', source: 'seller' });
    // Number cells in a workbook are written with a point whatever the store: the figures decide, not the store.
    expect(report.reports.map((r) => [r.kind, r.decimalMark])).toEqual([
      ['orders', '.'],
      ['earnings', '.'],
    ]);
    const items = await all(report);
    expect(items.map((i) => (i.kind === 'orders' ? (i as OrdersRow).priceMinor : i.kind === 'earnings' ? (i as EarningsRow).adFeesMinor : i.kind))).toEqual([
      1250, 38,
    ]);
  });
});
