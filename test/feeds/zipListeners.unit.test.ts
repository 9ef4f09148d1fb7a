// Reading a big workbook must not leave listeners behind on yauzl's emitters: Node then prints
// "MaxListenersExceededWarning: Possible EventEmitter memory leak detected" into every ingest log.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readReportFile } from '../../src/domain/feeds/index.ts';
import { tempDir, writeXlsx, zipEntryText } from './support/files.ts';
import { EARNINGS_COLUMNS } from '../support/reportColumns.ts';

const tmp = tempDir();

const HEADER: string[] = [...EARNINGS_COLUMNS];
const row = (i: number) => [
  'Home',
  `Lamp ${i}, brushed steel, 40 cm`,
  'B000000001',
  'Amazon.com',
  `shop${i % 7}-20`,
  '2021-03-08 10:00:00',
  { n: '12.5' },
  1,
  0,
  { n: '12.5' },
  { n: '0.38' },
  'PHONE',
];

let warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});
/** process.emitWarning delivers on a later tick (process.nextTick): after the next turn of the event loop it is in. */
const settled = () => new Promise((r) => setImmediate(r));

describe('when a big workbook with many parts is read', async () => {
  // 13 sheets, so the last sheet's XML sits behind more than ten other entries; one sheet long enough to stream in
  // many chunks.
  const sheets = Array.from({ length: 13 }, (_, s) => ({
    name: `Fee-Earnings ${s + 1}`,
    rows: [['Fee-Earnings reports from 03-07-2021 to 04-05-2021'], HEADER, ...Array.from({ length: s === 0 ? 30_000 : 20 }, (_, i) => row(i))],
  }));
  const path = await writeXlsx(tmp('big.xlsx'), sheets as never);

  it('then every report is read in full and no MaxListenersExceededWarning is emitted', async () => {
    const file = await readReportFile(path);
    let rows = 0;
    let fees = 0;
    for await (const batch of file.batches()) {
      for (const item of batch) {
        if (item.kind !== 'earnings') throw new Error(`unexpected ${item.kind}`);
        rows++;
        fees += item.adFeesMinor;
      }
    }
    // Twice more, stopping early inside the big sheet: an abandoned read must release what it held too.
    for (let pass = 0; pass < 2; pass++) {
      let seen = 0;
      for await (const item of file.rows()) if (item.kind === 'earnings' && ++seen === 5000) break;
    }
    await settled();
    expect(file.reports).toHaveLength(13);
    expect(rows).toBe(30_000 + 12 * 20);
    expect(fees).toBe(rows * 38);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it("then the tests' own look into the archive (the last sheet's XML) emits none either", async () => {
    const xml = await zipEntryText(path, 'xl/worksheets/sheet13.xml');
    await settled();
    expect(xml).toContain('Fee-Earnings reports from');
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
