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
