// Our own JSON-lines order feed: each line validated alone; bad lines become errors with their line numbers.
import { describe, expect, it } from 'vitest';
import { readReportFile, type FeedItem, type RowError } from '../../src/domain/feeds/index.ts';
import { tempDir, writeText } from './support/files.ts';

const tmp = tempDir();
const event = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    orderId: '111-2223334-5556667',
    line: 1,
    trackingId: 'shop-20',
    asin: 'B000000001',
    category: 'Home',
    qty: 2,
    unitPrice: '12.99',
    currency: 'USD',
    status: 'shipped',
    commission: '0.78',
    time: '2021-03-08T10:00:00-08:00',
    ...over,
  });

async function read(text: string, name: string, opts: { marketplace?: string } = {}) {
  const file = await readReportFile(writeText(tmp(name), text), opts);
  const items: FeedItem[] = [];
  for await (const i of file.rows()) items.push(i);
  return { file, items };
}

describe('when a JSON-lines order feed is read', () => {
  it('then each valid line becomes an order event with money in minor units and time in UTC', async () => {
    const { file, items } = await read(
      `${event()}\r\n\n${event({ line: 2, unitPrice: '1500', currency: 'JPY', commission: undefined, status: 'ordered' })}`,
      'ok.jsonl',
    );
    expect(file).toMatchObject({ format: 'jsonl', marketplace: null, reports: [{ kind: 'events', window: null }] });
    expect(items).toEqual([
      {
        kind: 'event',
        report: 0,
        sheet: null,
        line: 1,
        orderId: '111-2223334-5556667',
        orderLine: 1,
        trackingId: 'shop-20',
        asin: 'B000000001',
        category: 'Home',
        qty: 2,
        currency: 'USD',
        unitPriceMinor: 1299,
        status: 'shipped',
        commissionMinor: 78,
        time: '2021-03-08T18:00:00.000Z',
        linkCode: null,
      },
      expect.objectContaining({ line: 3, orderLine: 2, currency: 'JPY', unitPriceMinor: 1500, commissionMinor: null, status: 'ordered' }),
    ]);
  });

  it('then invalid lines are reported with their line numbers while the valid lines are still yielded', async () => {
    const lines = [
      event(),
      '{not json',
      event({ unitPrice: 12.99 }),
      event({ status: 'lost', qty: 0 }),
      event({ time: '2021-03-08 10:00' }),
      event({ asin: 'short', currency: 'XXX' }),
      event({ time: '2099-01-01T00:00:00Z' }),
      event({ orderId: 'last' }),
    ];
    const { items } = await read(lines.join('\n'), 'mixed.jsonl');
    expect(items.map((i) => [i.kind, i.line])).toEqual([
      ['event', 1],
      ['error', 2],
      ['error', 3],
      ['error', 4],
      ['error', 5],
      ['error', 6],
      ['error', 7],
      ['event', 8],
    ]);
    const errs = items.filter((i): i is RowError => i.kind === 'error');
    expect(errs[0]!.message).toBe('line 2: (line) is not valid JSON');
    expect(errs[1]!.problems[0]).toMatchObject({ column: 'unitPrice' });
    expect(errs[2]!.problems.map((p) => p.column)).toEqual(['status']);
    expect(errs[3]!.problems.map((p) => p.column)).toEqual(['time']);
    expect(errs[4]!.problems.map((p) => p.column)).toEqual(['currency']);
    expect(errs[5]!.problems).toEqual([{ column: 'time', value: '2099-01-01T00:00:00Z', message: 'is in the future' }]);
  });

  it('then a valid shape with a zero quantity or bad ASIN is still a row error', async () => {
    const { items } = await read([event({ qty: 0 }), event({ asin: 'b00-bad' })].join('\n'), 'zero.jsonl');
    expect(items.map((i) => (i.kind === 'error' ? i.problems.map((p) => `${p.column} ${p.message}`) : i.kind))).toEqual([
      ['qty must be at least 1'],
      ['asin is not an ASIN (10 letters or digits)'],
    ]);
  });

  it('then a marketplace option is echoed for the ingest, while events keep their own currency', async () => {
    const { file } = await read(event(), 'mp.jsonl', { marketplace: 'amazon.ca' });
    expect(file.marketplace).toEqual({ code: 'CA', currency: 'CAD', source: 'option' });
  });
});
