// One parsed report row → one line of the COPY stream into the staging table. Pure and allocation-light:
// this runs once per row of a million-row file.
import { createHash } from 'node:crypto';
import type { ReportRow } from '../feeds/types.ts';

/** Staging columns, in COPY order. */
export const STAGING_COLUMNS = [
  'report_type', 'line', 'content_key', 'kind', 'tracking_id', 'marketplace', 'asin', 'product_name', 'category',
  'occurred_local', 'occurred_utc', 'quantity', 'revenue_minor', 'amount_minor', 'currency',
] as const;

const SEP = '\u001f';

function esc(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  const s = typeof v === 'number' ? String(v) : v;
  // COPY text format: backslash, tab, newline and carriage return must be escaped.
  return /[\\\t\n\r]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : s;
}

/** Same row content → same key; identical rows are told apart later by their ordinal (in SQL). */
function contentKey(parts: Array<string | number>): string {
  return createHash('sha1').update(parts.join(SEP)).digest('base64url');
}

/** ISO local time from the report → what Postgres reads as `timestamp without time zone`. */
const localTs = (v: string) => v.replace('T', ' ');

export function stagingLine(row: ReportRow, marketplace: string): string {
  let cols: Array<string | number | null>;
  switch (row.kind) {
    case 'earnings': {
      // Return rows carry Items Shipped 0, Returns ≥ 1 and negative Revenue and Ad Fees.
      const isReturn = row.returns > 0 && row.itemsShipped === 0;
      const key = contentKey([marketplace, row.trackingId, row.asin, row.shippedAt, row.priceMinor, row.itemsShipped, row.returns, row.revenueMinor, row.adFeesMinor, row.deviceType, row.seller, row.category, row.name]);
      cols = ['earnings', row.line, key, isReturn ? 'reversal' : 'confirmed', row.trackingId, marketplace, row.asin, row.name, row.category, localTs(row.shippedAt), null, isReturn ? -row.returns : row.itemsShipped, row.revenueMinor, row.adFeesMinor, row.currency];
      break;
    }
    case 'orders': {
      const key = contentKey([marketplace, row.trackingId, row.asin, row.orderedAt, row.qty, row.priceMinor, row.linkType, String(row.indirect), row.deviceType, row.category, row.name]);
      // The commission is estimated in SQL from the rate card in force on the order date.
      cols = ['orders', row.line, key, 'pending', row.trackingId, marketplace, row.asin, row.name, row.category, localTs(row.orderedAt), null, row.qty, row.priceMinor * row.qty, null, row.currency];
      break;
    }
    case 'bounty': {
      const key = contentKey([marketplace, row.trackingId, row.shippedAt, row.quantity, row.adFeesMinor, row.name]);
      cols = ['bounty', row.line, key, 'bounty', row.trackingId, marketplace, null, row.name, null, localTs(row.shippedAt), null, row.quantity, 0, row.adFeesMinor, row.currency];
      break;
    }
    case 'event': {
      // Our own feed has real order ids: the key is natural, one per order line and status.
      const key = `${row.orderId}${SEP}${row.orderLine}${SEP}${row.status}`;
      const revenue = row.unitPriceMinor * row.qty;
      const commission = row.commissionMinor;
      const [kind, sign] =
        row.status === 'ordered' ? ['pending', 1] : row.status === 'shipped' ? ['confirmed', 1] : row.status === 'returned' ? ['reversal', -1] : ['pending', -1];
      cols = ['events', row.line, key, kind, row.trackingId, marketplace, row.asin, null, row.category, null, row.time, sign * row.qty, sign * revenue, commission === null ? null : sign * Math.abs(commission), row.currency];
      break;
    }
  }
  return cols.map(esc).join('\t') + '\n';
}
