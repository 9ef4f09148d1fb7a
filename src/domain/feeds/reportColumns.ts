// Header cells → our fields. Stores name columns differently (`Price($)`, `Price(Rs.)`, `Tag`, `Orders through
// product links`), so matching is by normalised name plus synonyms, and unknown columns are ignored.
import { UserError } from '../../errors.ts';
import type { ReportType } from './types.ts';

export const FIELDS = [
  'category',
  'name',
  'asin',
  'seller',
  'trackingId',
  'date',
  'dateShipped',
  'price',
  'qty',
  'itemsShipped',
  'returns',
  'revenue',
  'adFees',
  'linkType',
  'indirect',
  'deviceType',
] as const;
export type Field = (typeof FIELDS)[number];

const SYNONYMS: Record<string, Field> = {
  category: 'category',
  productcategory: 'category',
  name: 'name',
  productname: 'name',
  asin: 'asin',
  seller: 'seller',
  trackingid: 'trackingId',
  tag: 'trackingId',
  date: 'date',
  orderdate: 'date',
  dateshipped: 'dateShipped',
  shippeddate: 'dateShipped',
  price: 'price',
  qty: 'qty',
  quantity: 'qty',
  itemsshipped: 'itemsShipped',
  returns: 'returns',
  revenue: 'revenue',
  adfees: 'adFees',
  linktype: 'linkType',
  indirectsales: 'indirect',
  ordersthroughproductlinks: 'indirect',
  devicetypegroup: 'deviceType',
  devicetype: 'deviceType',
};

/** Required columns per report (DESIGN.md §3), with the name Amazon's US header uses, for error messages. */
export const REQUIRED: Record<ReportType, ReadonlyArray<readonly [Field, string]>> = {
  orders: [
    ['category', 'Category'],
    ['name', 'Name'],
    ['asin', 'ASIN'],
    ['date', 'Date'],
    ['qty', 'Qty'],
    ['price', 'Price'],
    ['linkType', 'Link Type'],
    ['trackingId', 'Tag'],
    ['indirect', 'Indirect Sales'],
    ['deviceType', 'Device Type Group'],
  ],
  earnings: [
    ['category', 'Category'],
    ['name', 'Name'],
    ['asin', 'ASIN'],
    ['seller', 'Seller'],
    ['trackingId', 'Tracking ID'],
    ['dateShipped', 'Date Shipped'],
    ['price', 'Price'],
    ['itemsShipped', 'Items Shipped'],
    ['returns', 'Returns'],
    ['revenue', 'Revenue'],
    ['adFees', 'Ad Fees'],
    ['deviceType', 'Device Type Group'],
  ],
  bounty: [
    ['name', 'Name'],
    ['dateShipped', 'Date Shipped'],
    ['trackingId', 'Tracking Id'],
    ['qty', 'Quantity'],
    ['adFees', 'Ad Fees'],
  ],
};

const MONEY_FIELDS: ReadonlySet<Field> = new Set(['price', 'revenue', 'adFees']);

/** Where each field sits in a record, and the header text it came from (for messages). */
export interface ColumnMap {
  index: Partial<Record<Field, number>>;
  header: Partial<Record<Field, string>>;
  ignored: string[];
  /** Currency written in the money headers: an ISO code, or `$` which several stores share. */
  headerCurrency: string | null;
}

/** `Price(Rs.)` → `price`; `Tracking Id` → `trackingid`. Letters of any script survive for localised headers. */
export function normaliseHeader(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .replace(/\s*[([][^)\]]*[)\]]\s*$/, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

// The parenthesised suffix of a money header: `($)`, `(Rs.)`, `(£)`, `(€)`, `(CDN$)`, `(USD)`.
const SYMBOLS: Record<string, string> = {
  $: '$',
  us$: 'USD',
  usd: 'USD',
  cdn$: 'CAD',
  c$: 'CAD',
  ca$: 'CAD',
  cad: 'CAD',
  rs: 'INR',
  'rs.': 'INR',
  '₹': 'INR',
  inr: 'INR',
  '£': 'GBP',
  gbp: 'GBP',
  '€': 'EUR',
  eur: 'EUR',
  '¥': 'JPY',
  '￥': 'JPY',
  jpy: 'JPY',
};

export function currencyOfHeader(text: string): string | null {
  const m = /[([]\s*([^)\]]+?)\s*[)\]]\s*$/.exec(text);
  return m ? (SYMBOLS[m[1]!.toLowerCase()] ?? null) : null;
}

export function mapColumns(headerCells: readonly string[]): ColumnMap {
  const map: ColumnMap = { index: {}, header: {}, ignored: [], headerCurrency: null };
  headerCells.forEach((cell, i) => {
    const field = SYNONYMS[normaliseHeader(cell)];
    if (!field || map.index[field] !== undefined) {
      if (cell.trim()) map.ignored.push(cell.trim());
      return;
    }
    map.index[field] = i;
    map.header[field] = cell.trim();
    if (MONEY_FIELDS.has(field)) map.headerCurrency ??= currencyOfHeader(cell);
  });
  return map;
}

/**
 * The report type a header fits when there is no title: the type with the largest share of its required columns
 * present, if that share is at least three quarters (the trends, tracking and clicks sheets stay well below).
 */
export function typeFromColumns(map: ColumnMap): ReportType | null {
  let best: ReportType | null = null;
  let bestShare = 0.75;
  for (const type of Object.keys(REQUIRED) as ReportType[]) {
    const req = REQUIRED[type];
    const share = req.filter(([f]) => map.index[f] !== undefined).length / req.length;
    if (share > bestShare || (share === bestShare && best === null)) {
      best = type;
      bestShare = share;
    }
  }
  return best;
}

/** Rejects the whole report when a required column is absent, naming every missing one. */
export function requireColumns(type: ReportType, map: ColumnMap, where: string): void {
  const missing = REQUIRED[type].filter(([f]) => map.index[f] === undefined).map(([, label]) => label);
  if (missing.length) {
    const list = missing.map((m) => `"${m}"`).join(', ');
    throw new UserError('invalid_input', `${where}: missing required column${missing.length > 1 ? 's' : ''} ${list}`);
  }
}
