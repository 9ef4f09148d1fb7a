// The columns of Amazon's Fee-Earnings report (US), in order: the one list test files and crafted reports build on.
export const EARNINGS_COLUMNS: readonly string[] = [
  'Category',
  'Name',
  'ASIN',
  'Seller',
  'Tracking ID',
  'Date Shipped',
  'Price($)',
  'Items Shipped',
  'Returns',
  'Revenue($)',
  'Ad Fees($)',
  'Device Type Group',
];

/** One Fee-Earnings row's cells in column order: a plain US lamp sale, with `over` replacing any column's value. */
export function earningsCells(over: Partial<Record<string, string>> = {}): string[] {
  const base: Record<string, string> = {
    Category: 'Home',
    Name: 'Lamp',
    ASIN: 'B000000001',
    Seller: 'Amazon.com',
    'Tracking ID': 'shop-20',
    'Date Shipped': '2021-03-08 10:00:00',
    'Price($)': '12.50',
    'Items Shipped': '1',
    Returns: '0',
    'Revenue($)': '12.50',
    'Ad Fees($)': '0.38',
    'Device Type Group': 'PHONE',
    ...over,
  };
  return EARNINGS_COLUMNS.map((h) => base[h]!);
}
