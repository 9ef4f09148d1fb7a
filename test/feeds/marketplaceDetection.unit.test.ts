// The store, and so the currency, comes from the option, else the Seller, else the header, else tracking IDs.
import { describe, expect, it } from 'vitest';
import { readReportFile } from '../../src/domain/feeds/index.ts';
import { tempDir, toDelimited, writeText } from './support/files.ts';

const tmp = tempDir();
let n = 0;

function earnings(opts: { price?: string; seller?: string; tag?: string }): string {
  const header = [
    'Category',
    'Name',
    'ASIN',
    'Seller',
    'Tracking ID',
    'Date Shipped',
    opts.price ?? 'Price',
    'Items Shipped',
    'Returns',
    'Revenue',
    'Ad Fees',
    'Device Type Group',
  ];
  const row = ['Home', 'Lamp', 'B000000001', opts.seller ?? '3rd Party', opts.tag ?? 'shop-20', '2021-03-08', '1250', '1', '0', '1250', '38', 'PHONE'];
  return writeText(tmp(`m${n++}.csv`), toDelimited([header, row]));
}

const detect = async (path: string, marketplace?: string) => (await readReportFile(path, marketplace ? { marketplace } : {})).marketplace;

describe('when the marketplace is worked out', () => {
  it('then an explicit option wins over every clue in the data', async () => {
    expect(await detect(earnings({ price: 'Price($)', seller: 'Amazon.com' }), 'ca')).toEqual({ code: 'CA', currency: 'CAD', source: 'option' });
    await expect(readReportFile(earnings({}), { marketplace: 'atlantis' })).rejects.toThrow(/Unknown marketplace "atlantis"/);
  });

  it('then a Seller naming a store beats the header currency', async () => {
    expect(await detect(earnings({ price: 'Price($)', seller: 'Amazon.ca' }))).toEqual({ code: 'CA', currency: 'CAD', source: 'seller' });
    expect(await detect(earnings({ price: 'Price($)', seller: 'Amazon.co.uk', tag: 'shop-21' }))).toMatchObject({ code: 'UK', currency: 'GBP' });
  });

  it('then a specific header currency beats tracking IDs, and a bare $ means the US store', async () => {
    expect(await detect(earnings({ price: 'Price(Rs.)', tag: 'shop-21' }))).toEqual({ code: 'IN', currency: 'INR', source: 'header' });
    expect(await detect(earnings({ price: 'Price(£)', tag: 'shop-20' }))).toEqual({ code: 'UK', currency: 'GBP', source: 'header' });
    expect(await detect(earnings({ price: 'Price($)', seller: 'AmazonFresh' }))).toEqual({ code: 'US', currency: 'USD', source: 'header' });
  });

  it('then with no currency in the header, the tracking-ID suffix decides: -20 US, -22 JP in whole yen', async () => {
    expect(await detect(earnings({ tag: 'shop-20' }))).toEqual({ code: 'US', currency: 'USD', source: 'tracking-id' });
    const jp = await readReportFile(earnings({ tag: 'shop-22' }));
    expect(jp.marketplace).toEqual({ code: 'JP', currency: 'JPY', source: 'tracking-id' });
    const rows = [];
    for await (const r of jp.rows()) rows.push(r);
    expect(rows[0]).toMatchObject({ kind: 'earnings', priceMinor: 1250, adFeesMinor: 38, currency: 'JPY' });
  });

  it('then a bare -21 (UK or any EU store) with nothing else is refused rather than guessed', async () => {
    await expect(readReportFile(earnings({ tag: 'shop-21' }))).rejects.toThrow(/-21 tracking IDs are used by the UK and the EU stores; pass the marketplace/);
    expect(await detect(earnings({ tag: 'shop-21' }), 'DE')).toMatchObject({ code: 'DE', currency: 'EUR' });
  });
});

describe('when the file alone cannot tell a dollar store, and the caller can look tracking IDs up', () => {
  it('then the stores they are registered for decide, the most common one winning', async () => {
    const asked: string[][] = [];
    const registry = (codes: Record<string, string>) => async (ids: string[]) => {
      asked.push(ids);
      return new Map(ids.filter((id) => codes[id]).map((id) => [id, codes[id]!]));
    };
    const file = earnings({ price: 'Price($)', tag: 'maple-20' });
    expect((await readReportFile(file, { registeredMarketplaces: registry({ 'maple-20': 'CA' }) })).marketplace).toEqual({
      code: 'CA',
      currency: 'CAD',
      source: 'registered-tracking-id',
    });
    expect(asked).toEqual([['maple-20']]);
    // Nobody registered it: the `$` header decides as it always did.
    expect((await readReportFile(file, { registeredMarketplaces: registry({}) })).marketplace).toMatchObject({ code: 'US', source: 'header' });
  });

  it('then the registry is not asked when the file names its store, nor when the caller passes one', async () => {
    const asked: string[][] = [];
    const registry = async (ids: string[]) => {
      asked.push(ids);
      return new Map(ids.map((id) => [id, 'CA']));
    };
    expect((await readReportFile(earnings({ price: 'Price($)', seller: 'Amazon.com' }), { registeredMarketplaces: registry })).marketplace).toMatchObject({
      code: 'US',
      source: 'seller',
    });
    expect((await readReportFile(earnings({ price: 'Price(£)', tag: 'shop-21' }), { registeredMarketplaces: registry })).marketplace).toMatchObject({
      code: 'UK',
      source: 'header',
    });
    expect((await readReportFile(earnings({ price: 'Price($)' }), { marketplace: 'US', registeredMarketplaces: registry })).marketplace).toMatchObject({
      code: 'US',
      source: 'option',
    });
    expect(asked).toEqual([]);
  });
});

describe('when the header is translated', () => {
  const italian = (opts: { price?: string; seller?: string; tag?: string }) => {
    const header = [
      'Categoria',
      'Prodotto',
      'ASIN',
      'Venditore',
      'TrackingID',
      'Data Spedizione',
      opts.price ?? 'Prezzo (€)',
      'Prodotti spediti',
      'Resi',
      'Ricavi (€)',
      'Commissioni pubblicitarie (€)',
      'Tipo di dispositivo',
    ];
    const row = ['Casa', 'Lampada', 'B000000001', opts.seller ?? 'Terze parti', opts.tag ?? 'shop-21', '2021-03-08', '1250', '1', '0', '1250', '38', 'PHONE'];
    return writeText(tmp(`m${n++}.csv`), toDelimited([header, row], { delimiter: ';' }));
  };

  it('then its language names the store, below the Seller column and above the header currency and tracking IDs', async () => {
    expect(await detect(italian({}))).toEqual({ code: 'IT', currency: 'EUR', source: 'header-language' });
    expect(await detect(italian({ tag: 'shop-20' }))).toMatchObject({ code: 'IT' });
    expect(await detect(italian({ seller: 'Amazon.de' }))).toEqual({ code: 'DE', currency: 'EUR', source: 'seller' });
    expect(await detect(italian({}), 'FR')).toMatchObject({ code: 'FR', source: 'option' });
  });

  it('then a language that contradicts the header currency is no clue: the currency decides as before', async () => {
    const header = ['カテゴリー', '商品名', 'ASIN', '注文日', '数量', '価格(€)', 'リンクタイプ', 'Tag', '間接販売', 'デバイスタイプ'];
    const path = writeText(
      tmp(`m${n++}.csv`),
      toDelimited([header, ['家電', 'ランプ', 'B000000001', '2021-03-08', '1', '12.50', 'テキスト', 'shop-21', 'ndi', 'PHONE']]),
    );
    expect(await detect(path)).toEqual({ code: 'DE', currency: 'EUR', source: 'header' });
  });
});
