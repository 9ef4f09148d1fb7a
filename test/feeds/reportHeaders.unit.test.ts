// Stores name columns differently; matching is by normalised name and synonyms, and a missing column is named.
import { describe, expect, it } from 'vitest';
import { readReportFile, type FeedItem } from '../../src/domain/feeds/index.ts';
import { UserError } from '../../src/errors.ts';
import { tempDir, toDelimited, writeText } from './support/files.ts';

const tmp = tempDir();
let n = 0;
const csv = (rows: string[][]) => writeText(tmp(`h${n++}.csv`), toDelimited(rows));

async function all(path: string, marketplace?: string): Promise<{ items: FeedItem[]; file: Awaited<ReturnType<typeof readReportFile>> }> {
  const file = await readReportFile(path, marketplace ? { marketplace } : {});
  const items: FeedItem[] = [];
  for await (const i of file.rows()) items.push(i);
  return { items, file };
}

const ORDERS_TITLE = ['Fee-Orders reports from 03-07-2021 to 04-05-2021'];
const ordersHeader = (price: string, indirect = 'Indirect Sales', tag = 'Tag') => [
  'Category',
  'Name',
  'ASIN',
  'Date',
  'Qty',
  price,
  'Link Type',
  tag,
  indirect,
  'Device Type Group',
];
const orderRow = (tag = 'shop-20') => ['Home', 'Lamp', 'B000000001', '2021-03-08 10:00:00', '2', '12.50', 'Text Only', tag, 'ndi', 'PHONE'];

describe('when headers vary by store', () => {
  it('then Price, Price($) and Price(Rs.) all fill priceMinor, and (Rs.) makes the report rupees', async () => {
    for (const [price, tag, currency] of [
      ['Price', 'shop-20', 'USD'],
      ['Price($)', 'shop-20', 'USD'],
      ['Price(Rs.)', 'shop-21', 'INR'],
      ['Price (£)', 'shop-21', 'GBP'],
      ['Price(€)', 'shop-21', 'EUR'],
    ] as const) {
      const { items, file } = await all(await csv([ORDERS_TITLE, ordersHeader(price), orderRow(tag)]));
      expect(file.marketplace?.currency, price).toBe(currency);
      expect(items, price).toMatchObject([{ kind: 'orders', priceMinor: 1250, qty: 2, currency, trackingId: tag }]);
    }
  });

  it('then "Orders through product links" stands for Indirect Sales and Tracking ID / Tracking Id stand for Tag', async () => {
    for (const [indirect, tag] of [
      ['Orders through product links', 'Tracking ID'],
      ['Indirect Sales', 'Tracking Id'],
      ['indirect_sales', 'TAG'],
    ] as const) {
      const { items } = await all(await csv([ORDERS_TITLE, ordersHeader('Price($)', indirect, tag), orderRow()]));
      expect(items).toMatchObject([{ kind: 'orders', indirect: true, trackingId: 'shop-20' }]);
    }
  });

  it('then extra Direct / Direct Sale columns and reordered columns are handled, and the extras are listed as ignored', async () => {
    const header = [
      'Direct Sale',
      'Tracking ID',
      'Name',
      'Category',
      'Direct',
      'ASIN',
      'Seller',
      'Date Shipped',
      'Price($)',
      'Items Shipped',
      'Returns',
      'Revenue($)',
      'Ad Fees($)',
      'Device Type Group',
    ];
    const row = ['Yes', 'shop-20', 'Lamp', 'Home', '1', 'B000000001', 'Amazon.com', '2021-03-08 10:00:00', '12.50', '1', '0', '12.50', '0.38', 'DESKTOP'];
    const { items, file } = await all(await csv([header, row]));
    expect(file.reports[0]).toMatchObject({ kind: 'earnings', ignoredColumns: ['Direct Sale', 'Direct'] });
    expect(items).toMatchObject([{ kind: 'earnings', name: 'Lamp', category: 'Home', adFeesMinor: 38, revenueMinor: 1250 }]);
  });

  it('then a report without a title is typed by its header: bounty', async () => {
    const { items, file } = await all(
      await csv([
        ['Name', 'Date Shipped', 'Tracking Id', 'Quantity', 'Ad Fees($)'],
        ['Prime Wardrobe First Box Order', '2021-03-29', 'shop-20', '1', '3'],
      ]),
    );
    expect(file.reports[0]).toMatchObject({ kind: 'bounty', title: null, window: null });
    expect(items).toMatchObject([{ kind: 'bounty', quantity: 1, adFeesMinor: 300, shippedAt: '2021-03-29' }]);
  });

  it('then a missing required column rejects the report with an error naming it', async () => {
    const header = ordersHeader('Price($)').filter((h) => h !== 'Qty');
    const path = await csv([ORDERS_TITLE, header, orderRow().slice(0, 9)]);
    await expect(readReportFile(path)).rejects.toThrow(UserError);
    await expect(readReportFile(path)).rejects.toThrow(/missing required column "Qty"/);
  });

  it('then an untitled earnings header missing two columns names both', async () => {
    const header = ['Category', 'Name', 'ASIN', 'Seller', 'Tracking ID', 'Date Shipped', 'Price($)', 'Items Shipped', 'Returns', 'Revenue($)'];
    await expect(readReportFile(await csv([header, header.map(() => 'x')]))).rejects.toThrow(/missing required columns "Ad Fees", "Device Type Group"/);
  });
});
