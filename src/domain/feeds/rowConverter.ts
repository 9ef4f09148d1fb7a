// One raw record → one typed row, or one RowError listing every bad cell. Never throws: a bad row must not cost
// the good ones around it. Written as a class with methods, not per-row closures: this runs a million times.
import type { RawRecord } from './csvTokenizer.ts';
import {
  type DecimalMark,
  Invalid,
  NAME_MAX,
  cleanText,
  decodeHtmlEntities,
  parseAsin,
  parseCount,
  parseIndirect,
  parseMoney,
  parseReportDate,
  parseTrackingId,
} from './cellValues.ts';
import { FIELDS, type ColumnMap, type Field } from './reportColumns.ts';
import type { FeedItem, FieldProblem, ReportType } from './types.ts';

export interface ConvertContext {
  report: number;
  sheet: string | null;
  /** Names the report in messages: `Fee-Earnings`, or `Fee-Earnings (sheet "…")`. */
  label: string;
  currency: string;
  /** The report's decimal mark, decided once for the whole report (readReportFile.ts). */
  decimalMark: DecimalMark;
  now: number;
  date1904: boolean;
}

export type RowConverter = (rec: RawRecord) => FeedItem;

export function rowConverter(type: ReportType, columns: ColumnMap, ctx: ConvertContext): RowConverter {
  const reader = new CellReader(columns, ctx);
  switch (type) {
    case 'earnings':
      return (rec) => reader.earnings(rec);
    case 'orders':
      return (rec) => reader.orders(rec);
    case 'bounty':
      return (rec) => reader.bounty(rec);
  }
}

class CellReader {
  private cells: string[] = [];
  private problems: FieldProblem[] | null = null;
  private readonly at: Record<Field, number>;

  constructor(
    private readonly columns: ColumnMap,
    private readonly ctx: ConvertContext,
  ) {
    // Columns a report type does not use map to -1 and read as ''; required ones were checked by the probe.
    this.at = Object.fromEntries(FIELDS.map((f) => [f, columns.index[f] ?? -1])) as Record<Field, number>;
  }

  // One object literal per row type, position and all, on purpose: built in one go it stays a fast object, where
  // spreading a shared position or product part into it made a million-row parse six times slower (V8, Node 20).
  earnings(rec: RawRecord): FeedItem {
    this.start(rec);
    return this.finish(rec, {
      kind: 'earnings',
      report: this.ctx.report,
      sheet: this.ctx.sheet,
      line: rec.line,
      category: this.text('category'),
      name: this.text('name', NAME_MAX),
      asin: this.asin(),
      seller: this.text('seller'),
      trackingId: this.trackingId(),
      shippedAt: this.date('dateShipped'),
      currency: this.ctx.currency,
      priceMinor: this.money('price'),
      itemsShipped: this.count('itemsShipped'),
      returns: this.count('returns'),
      revenueMinor: this.money('revenue'),
      adFeesMinor: this.money('adFees'),
      deviceType: this.text('deviceType'),
    });
  }

  orders(rec: RawRecord): FeedItem {
    this.start(rec);
    return this.finish(rec, {
      kind: 'orders',
      report: this.ctx.report,
      sheet: this.ctx.sheet,
      line: rec.line,
      category: this.text('category'),
      name: this.text('name', NAME_MAX),
      asin: this.asin(),
      orderedAt: this.date('date'),
      qty: this.count('qty'),
      currency: this.ctx.currency,
      priceMinor: this.money('price'),
      linkType: this.text('linkType'),
      trackingId: this.trackingId(),
      indirect: parseIndirect(this.raw('indirect')),
      deviceType: this.text('deviceType'),
    });
  }

  bounty(rec: RawRecord): FeedItem {
    this.start(rec);
    return this.finish(rec, {
      kind: 'bounty',
      report: this.ctx.report,
      sheet: this.ctx.sheet,
      line: rec.line,
      name: this.text('name', NAME_MAX),
      shippedAt: this.date('dateShipped'),
      trackingId: this.trackingId(),
      quantity: this.count('qty'),
      currency: this.ctx.currency,
      adFeesMinor: this.money('adFees'),
    });
  }

  private start(rec: RawRecord): void {
    this.cells = rec.cells;
    this.problems = null;
  }

  private raw(f: Field): string {
    return this.cells[this.at[f]] ?? '';
  }

  /** Text columns only: HTML entities decoded (cellValues.ts), then trimmed and cut. */
  private text(f: Field, max?: number): string {
    const raw = this.raw(f);
    // An entity needs a `;` after its `&`: `Grocery & Gourmet Food` is passed over at the cost of two scans.
    const amp = raw.indexOf('&');
    return cleanText(amp !== -1 && raw.indexOf(';', amp) !== -1 ? decodeHtmlEntities(raw) : raw, max);
  }

  private asin(): string {
    return this.check('asin', parseAsin(this.raw('asin')), '');
  }

  private trackingId(): string {
    return this.check('trackingId', parseTrackingId(this.raw('trackingId')), '');
  }

  private money(f: Field): number {
    return this.check(f, parseMoney(this.raw(f), this.ctx.currency, this.ctx.decimalMark), 0);
  }

  private count(f: Field): number {
    return this.check(f, parseCount(this.raw(f)), 0);
  }

  private date(f: Field): string {
    return this.check(f, parseReportDate(this.raw(f), this.ctx.now, this.ctx.date1904), '');
  }

  /** Records the problem and returns a placeholder; the row then becomes a RowError in finish(). */
  private check<T>(f: Field, parsed: T | Invalid, placeholder: T): T {
    if (!(parsed instanceof Invalid)) return parsed;
    (this.problems ??= []).push({ column: this.columns.header[f] ?? f, value: this.raw(f), message: parsed.message });
    return placeholder;
  }

  private finish(rec: RawRecord, row: FeedItem): FeedItem {
    const problems = this.problems;
    if (!problems) return row;
    const where = this.ctx.sheet === null ? 'line' : 'row';
    const detail = problems.map((p) => `${p.column} ${quote(p.value)} ${p.message}`).join('; ');
    return {
      kind: 'error',
      report: this.ctx.report,
      sheet: this.ctx.sheet,
      line: rec.line,
      problems,
      message: `${this.ctx.label} ${where} ${rec.line}: ${detail}`,
    };
  }
}

function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
