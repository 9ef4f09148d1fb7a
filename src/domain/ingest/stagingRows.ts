// One parsed report row → one line of the COPY stream into the staging table. Pure and allocation-light:
// this runs once per row of a million-row file, so each row is written as one template string (no arrays, no
// per-column map/join) and hashed with the one-shot crypto.hash where the runtime has it (3× cheaper than a
// Hash object per row). The output, and so every content key, is byte-for-byte what it always was.
import * as crypto from 'node:crypto';
import type { ReportRow } from '../feeds/types.ts';

/** Staging columns, in COPY order. */
export const STAGING_COLUMNS = [
  'report_type',
  'line',
  'content_key',
  'kind',
  'tracking_id',
  'marketplace',
  'asin',
  'product_name',
  'category',
  'occurred_local',
  'occurred_utc',
  'quantity',
  'revenue_minor',
  'amount_minor',
  'currency',
  'link_code',
] as const;

const SEP = '\u001f';
const NULL = '\\N';
const SPECIAL = /[\\\t\n\r]/;

/** COPY text format: backslash, tab, newline and carriage return must be escaped. Numbers never need it. */
function esc(s: string): string {
  return SPECIAL.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : s;
}

// crypto.hash arrived in Node 20.12; the engines field allows 20.11.
const sha1Base64url: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha1', text, 'base64url') : (text) => crypto.createHash('sha1').update(text).digest('base64url');

/** ISO local time from the report → what Postgres reads as `timestamp without time zone`. */
const localTs = (v: string) => v.replace('T', ' ');

/**
 * Same row content → same key; identical rows are told apart later by their ordinal (in SQL). The hashed text is
 * the fields joined with U+001F, numbers as String(n), exactly as before: changing it would change every key.
 */
export function stagingLine(row: ReportRow, marketplace: string): string {
  switch (row.kind) {
    case 'earnings': {
      // Return rows carry Items Shipped 0, Returns ≥ 1 and negative Revenue and Ad Fees.
      const isReturn = row.returns > 0 && row.itemsShipped === 0;
      const key = sha1Base64url(
        `${marketplace}${SEP}${row.trackingId}${SEP}${row.asin}${SEP}${row.shippedAt}${SEP}${row.priceMinor}${SEP}${row.itemsShipped}${SEP}${row.returns}${SEP}${row.revenueMinor}${SEP}${row.adFeesMinor}${SEP}${row.deviceType}${SEP}${row.seller}${SEP}${row.category}${SEP}${row.name}`,
      );
      return `earnings\t${row.line}\t${key}\t${isReturn ? 'reversal' : 'confirmed'}\t${esc(row.trackingId)}\t${esc(marketplace)}\t${esc(row.asin)}\t${esc(row.name)}\t${esc(row.category)}\t${esc(localTs(row.shippedAt))}\t${NULL}\t${isReturn ? -row.returns : row.itemsShipped}\t${row.revenueMinor}\t${row.adFeesMinor}\t${esc(row.currency)}\t${NULL}\n`;
    }
    case 'orders': {
      const key = sha1Base64url(
        `${marketplace}${SEP}${row.trackingId}${SEP}${row.asin}${SEP}${row.orderedAt}${SEP}${row.qty}${SEP}${row.priceMinor}${SEP}${row.linkType}${SEP}${String(row.indirect)}${SEP}${row.deviceType}${SEP}${row.category}${SEP}${row.name}`,
      );
      // The commission is estimated in SQL from the rate card in force on the order date.
      return `orders\t${row.line}\t${key}\tpending\t${esc(row.trackingId)}\t${esc(marketplace)}\t${esc(row.asin)}\t${esc(row.name)}\t${esc(row.category)}\t${esc(localTs(row.orderedAt))}\t${NULL}\t${row.qty}\t${row.priceMinor * row.qty}\t${NULL}\t${esc(row.currency)}\t${NULL}\n`;
    }
    case 'bounty': {
      const key = sha1Base64url(`${marketplace}${SEP}${row.trackingId}${SEP}${row.shippedAt}${SEP}${row.quantity}${SEP}${row.adFeesMinor}${SEP}${row.name}`);
      return `bounty\t${row.line}\t${key}\tbounty\t${esc(row.trackingId)}\t${esc(marketplace)}\t${NULL}\t${esc(row.name)}\t${NULL}\t${esc(localTs(row.shippedAt))}\t${NULL}\t${row.quantity}\t0\t${row.adFeesMinor}\t${esc(row.currency)}\t${NULL}\n`;
    }
    case 'event': {
      // Our own feed has real order ids: the key is natural, one per order line and status.
      const key = `${row.orderId}${SEP}${row.orderLine}${SEP}${row.status}`;
      const revenue = row.unitPriceMinor * row.qty;
      const commission = row.commissionMinor;
      const [kind, sign] =
        row.status === 'ordered'
          ? ['pending', 1]
          : row.status === 'shipped'
            ? ['confirmed', 1]
            : row.status === 'returned'
              ? ['reversal', -1]
              : ['pending', -1];
      return `events\t${row.line}\t${esc(key)}\t${kind}\t${esc(row.trackingId)}\t${esc(marketplace)}\t${esc(row.asin)}\t${NULL}\t${esc(row.category)}\t${NULL}\t${esc(row.time)}\t${sign * row.qty}\t${sign * revenue}\t${commission === null ? NULL : sign * Math.abs(commission)}\t${esc(row.currency)}\t${row.linkCode ?? NULL}\n`;
    }
  }
}
