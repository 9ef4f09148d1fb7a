// Report rows carry no order id, so a row's identity is its content plus how many identical rows came before it
// in the same report: two identical rows stay two lines, and re-ingesting the same report yields the same keys.
import { createHash } from 'node:crypto';
import type { ReportKind, ReportRow } from './types.ts';

/** Text compared loosely: Unicode form, spacing and case are not identity. */
const norm = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();

/** The row's content in a fixed field order; position (line, sheet, report index) is deliberately left out. */
export function lineContent(row: ReportRow): string {
  let fields: Array<string | number | boolean | null>;
  switch (row.kind) {
    case 'earnings':
      fields = [
        norm(row.category),
        norm(row.name),
        row.asin,
        norm(row.seller),
        norm(row.trackingId),
        row.shippedAt,
        row.currency,
        row.priceMinor,
        row.itemsShipped,
        row.returns,
        row.revenueMinor,
        row.adFeesMinor,
        norm(row.deviceType),
      ];
      break;
    case 'orders':
      fields = [
        norm(row.category),
        norm(row.name),
        row.asin,
        row.orderedAt,
        row.qty,
        row.currency,
        row.priceMinor,
        norm(row.linkType),
        norm(row.trackingId),
        row.indirect,
        norm(row.deviceType),
      ];
      break;
    case 'bounty':
      fields = [norm(row.name), row.shippedAt, norm(row.trackingId), row.quantity, row.currency, row.adFeesMinor];
      break;
    case 'event':
      fields = [
        row.orderId,
        row.orderLine,
        row.status,
        norm(row.trackingId),
        row.asin,
        norm(row.category),
        row.qty,
        row.currency,
        row.unitPriceMinor,
        row.commissionMinor,
        row.time,
      ];
      break;
  }
  return fields.map((f) => String(f)).join('\u001f');
}

function contentHash(reportType: ReportKind, row: ReportRow): string {
  return createHash('sha256')
    .update(`${reportType}\u001e${lineContent(row)}`)
    .digest('hex')
    .slice(0, 32);
}

/** `<32 hex chars of SHA-256>.<ordinal>`; ordinal 0 is the first of its identical rows within the report. */
export function lineKey(reportType: ReportKind, row: ReportRow, ordinal: number): string {
  return `${contentHash(reportType, row)}.${ordinal}`;
}

/** Hands out keys for one report in row order, counting identical rows to supply the ordinal. */
export class LineKeyer {
  private readonly seen = new Map<string, number>();

  constructor(private readonly reportType: ReportKind) {}

  next(row: ReportRow): string {
    const hash = contentHash(this.reportType, row);
    const ordinal = this.seen.get(hash) ?? 0;
    this.seen.set(hash, ordinal + 1);
    return `${hash}.${ordinal}`;
  }
}
