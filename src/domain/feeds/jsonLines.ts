// Our own order feed: one JSON object per line, each checked on its own so one bad line costs only itself.
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { MARKETPLACES } from '../amazon/marketplaces.ts';
import { Invalid, parseAsin, parseCount, parseMoney } from './cellValues.ts';
import { MAX_LINE_CHARS, MAX_ROWS_PER_FILE, countText, limitError } from './limits.ts';
import type { FeedItem, FieldProblem, OrderEvent } from './types.ts';

const CURRENCIES = new Set([...MARKETPLACES.values()].map((m) => m.currency));
const DECIMAL = /^-?\d+(?:\.\d+)?$/;
const EARLIEST = Date.UTC(1996, 0, 1);
const DAY_MS = 86_400_000;

const EventLine = z.object({
  orderId: z.string().trim().min(1).max(100),
  line: z.number().int().positive(),
  trackingId: z.string().trim().min(1).max(128).regex(/^\S+$/, 'must not contain spaces'),
  asin: z.string(),
  category: z.string().max(200),
  qty: z.number().int(),
  unitPrice: z.string().regex(DECIMAL, 'must be a decimal string such as "12.99"'),
  currency: z.string().refine((c) => CURRENCIES.has(c), 'is not a currency of a supported marketplace'),
  status: z.enum(['ordered', 'shipped', 'returned', 'cancelled']),
  commission: z.string().regex(DECIMAL, 'must be a decimal string such as "0.52"').optional(),
  time: z.iso.datetime({ offset: true }),
  // Our short-link codes are base62; networks echo them back as a sub-ID.
  link: z
    .string()
    .trim()
    .regex(/^[0-9A-Za-z]{4,32}$/, 'must be one of our short-link codes, such as "aB3dE5fG"')
    .optional(),
});

export async function* jsonLineItems(stream: Readable, now: number): AsyncGenerator<FeedItem[]> {
  stream.setEncoding('utf8');
  const lines = new LineSplitter();
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const batch = lines.push(chunk).map(([line, text]) => parseEventLine(text, line, now));
      if (batch.length) yield batch;
    }
    const last = lines.end().map(([line, text]) => parseEventLine(text, line, now));
    if (last.length) yield last;
  } finally {
    stream.destroy();
  }
}

/** Splits a text stream into numbered lines (LF or CRLF), holding back only the unfinished last one. */
class LineSplitter {
  private pending = '';
  private line = 0;

  push(chunk: string): Array<[number, string]> {
    const text = this.pending + chunk;
    const parts = text.split('\n');
    this.pending = parts.pop() ?? '';
    if (this.pending.length > MAX_LINE_CHARS) {
      const line = countText(this.line + parts.length + 1);
      throw limitError('A line is too long', `line ${line} runs past ${countText(MAX_LINE_CHARS)} characters`, `${countText(MAX_LINE_CHARS)} characters`);
    }
    return this.collect(parts);
  }

  end(): Array<[number, string]> {
    const rest = this.pending;
    this.pending = '';
    return rest ? this.collect([rest]) : [];
  }

  private collect(parts: string[]): Array<[number, string]> {
    const out: Array<[number, string]> = [];
    // Lines are counted before any is parsed, blank ones too: a file of millions of lines stops at the cap having
    // cost only its splitting.
    if (this.line + parts.length > MAX_ROWS_PER_FILE) {
      throw limitError('Too many lines in the file', `it has over ${countText(MAX_ROWS_PER_FILE)}`, countText(MAX_ROWS_PER_FILE));
    }
    for (const p of parts) {
      this.line++;
      if (p.length > MAX_LINE_CHARS) {
        throw limitError('A line is too long', `line ${countText(this.line)} has ${countText(p.length)} characters`, `${countText(MAX_LINE_CHARS)} characters`);
      }
      const text = (this.line === 1 ? p.replace(/^\uFEFF/, '') : p).replace(/\r$/, '');
      if (text.trim()) out.push([this.line, text]);
    }
    return out;
  }
}

export function parseEventLine(text: string, line: number, now: number): FeedItem {
  const error = (problems: FieldProblem[]): FeedItem => ({
    kind: 'error',
    report: 0,
    sheet: null,
    line,
    problems,
    message: `line ${line}: ${problems.map((p) => `${p.column} ${p.message}`).join('; ')}`,
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return error([{ column: '(line)', value: text.slice(0, 80), message: 'is not valid JSON' }]);
  }
  const parsed = EventLine.safeParse(json);
  if (!parsed.success) {
    return error(
      parsed.error.issues.map((i) => ({
        column: i.path.join('.') || '(line)',
        value: '',
        message: i.message,
      })),
    );
  }
  const e = parsed.data;
  const problems: FieldProblem[] = [];
  const check = <T>(column: string, value: string, result: T | Invalid): T | undefined => {
    if (!(result instanceof Invalid)) return result;
    problems.push({ column, value, message: result.message });
    return undefined;
  };
  const asin = check('asin', e.asin, parseAsin(e.asin));
  const qty = check('qty', String(e.qty), e.qty === 0 ? new Invalid('must be at least 1') : parseCount(String(e.qty)));
  const unitPrice = check('unitPrice', e.unitPrice, parseMoney(e.unitPrice, e.currency));
  const commission = e.commission === undefined ? null : check('commission', e.commission, parseMoney(e.commission, e.currency));
  const ms = Date.parse(e.time);
  check('time', e.time, ms < EARLIEST ? new Invalid('is before 1996') : ms > now + DAY_MS ? new Invalid('is in the future') : ms);
  if (problems.length || asin === undefined || qty === undefined || unitPrice === undefined || commission === undefined) {
    return error(problems);
  }

  const event: OrderEvent = {
    kind: 'event',
    report: 0,
    sheet: null,
    line,
    orderId: e.orderId,
    orderLine: e.line,
    trackingId: e.trackingId,
    asin,
    category: e.category.trim(),
    qty,
    currency: e.currency,
    unitPriceMinor: unitPrice,
    status: e.status,
    commissionMinor: commission,
    time: new Date(ms).toISOString(),
    linkCode: e.link ?? null,
  };
  return event;
}
