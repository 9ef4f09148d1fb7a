// Peak memory of a real ingest of each crafted file: one child process per file (test/hostile/support/ingestChild.ts)
// runs runIngest → ingestFile on a stored copy, as the worker would, and reports the OS's high-water mark of its
// resident memory. Every file must fail with a clear reason and none may take the process past 300 MB, the bound a
// worker has to live within whatever it is sent (a 1.5 MB workbook once took one from 297 MB to 1.9 GB).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { testDb } from '../support/env.ts';
import { newOrganisation } from '../support/fixtures.ts';
import { recordIngest } from '../support/ingest.ts';
import {
  EARNINGS_ROW,
  EARNINGS_TITLE,
  EMPTY_SST,
  SHEET_START,
  deflated,
  hostileDir,
  repeatedDeflate,
  sheetXml,
  workbookEntries,
  writeLarge,
  writeRawZip,
} from '../hostile/support/craft.ts';
import { EARNINGS_COLUMNS } from '../support/reportColumns.ts';

const PEAK_RSS_LIMIT_MB = 300;
const CHILD = path.resolve(import.meta.dirname, '../hostile/support/ingestChild.ts');
const run = promisify(execFile);

const db = testDb();
afterAll(() => db.destroy());
let org: number;
beforeAll(async () => {
  org = await newOrganisation(db);
});
const tmp = hostileDir();

interface ChildOutcome {
  status: string;
  error: string | null;
  maxRssKb: number;
}

/** Stores `file` as an upload, records its ingest and runs it in a fresh child process. */
async function ingestInChild(file: string): Promise<ChildOutcome & { peakMb: number }> {
  const id = await recordIngest(db, file, { organisationId: org, marketplace: 'US' });
  const { stdout } = await run(process.execPath, ['--import', 'tsx', CHILD, id], {
    env: { ...process.env, DATABASE_URL: inject('databaseUrl') },
    maxBuffer: 1 << 20,
    timeout: 240_000,
  });
  const outcome = JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildOutcome;
  const peakMb = Math.round(outcome.maxRssKb / 1024);
  console.info(`peak RSS ${peakMb} MB: ${path.basename(file)} → ${outcome.status}${outcome.error ? ` (${outcome.error.slice(0, 160)})` : ''}`);
  return { ...outcome, peakMb };
}

const ROW = EARNINGS_ROW.join(',');
const CSV_HEAD = `${EARNINGS_TITLE}\n${EARNINGS_COLUMNS.join(',')}\n`;

describe('when a crafted file is ingested by a worker', () => {
  it('then a plain report (the baseline) succeeds well within the bound', async () => {
    const file = await writeLarge(tmp('baseline.csv'), CSV_HEAD, (i) => `${ROW.replace('B000000001', `B${String(i).padStart(9, '0')}`)}\n`, 2_000_000);
    const r = await ingestInChild(file);
    expect(r.status).toBe('succeeded');
    expect(r.peakMb).toBeLessThan(PEAK_RSS_LIMIT_MB);
  });

  it('then a ZIP bomb (a CSV of 1.8 GiB of rows in 7 MB) fails naming the ratio cap', async () => {
    const { parts, crc, size } = repeatedDeflate(Buffer.from(`${ROW}\n`.repeat(15_200)), 1_500);
    const file = await writeRawZip(tmp('bomb.zip'), [
      { name: 'report.csv', parts: [repeatedDeflate(Buffer.from(CSV_HEAD), 1).parts[0]!, ...parts], crc, uncompressedSize: size },
    ]);
    const r = await ingestInChild(file);
    expect(r).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^A ZIP entry is compressed too far \(a ZIP bomb\): report\.csv .*; the limit is 200×\.$/),
    });
    expect(r.peakMb).toBeLessThan(PEAK_RSS_LIMIT_MB);
  }, 300_000);

  it('then the same bomb under a header that lies about its size fails once it inflates past the declared size', async () => {
    const { parts, crc } = repeatedDeflate(Buffer.from(`${ROW}\n`.repeat(15_200)), 1_500);
    const file = await writeRawZip(tmp('lying-bomb.zip'), [
      { name: 'report.csv', parts: [repeatedDeflate(Buffer.from(CSV_HEAD), 1).parts[0]!, ...parts], crc, uncompressedSize: 20 * 1024 * 1024 },
    ]);
    const r = await ingestInChild(file);
    expect(r).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^A ZIP entry inflates past the size its header declares: report\.csv declares 20 MiB/),
    });
    expect(r.peakMb).toBeLessThan(PEAK_RSS_LIMIT_MB);
  }, 300_000);

  it('then a 1.5 MB workbook whose shared strings expand to 600 MB fails naming the ratio cap', async () => {
    // 36 million one-letter strings: the table the old reader held as a JS array until the worker died.
    const { parts, crc, size } = repeatedDeflate(Buffer.from('<si><t>x</t></si>'.repeat(60_000)), 600);
    const sst = { name: 'xl/sharedStrings.xml', parts: [repeatedDeflate(Buffer.from('<sst>'), 1).parts[0]!, ...parts], crc, uncompressedSize: size };
    const file = await writeRawZip(tmp('sst-bomb.xlsx'), workbookEntries(deflated('xl/worksheets/sheet1.xml', sheetXml(SHEET_START)), sst));
    const r = await ingestInChild(file);
    expect(r).toMatchObject({ status: 'failed', error: expect.stringMatching(/^A ZIP entry is compressed too far \(a ZIP bomb\): xl\/sharedStrings\.xml/) });
    expect(r.peakMb).toBeLessThan(PEAK_RSS_LIMIT_MB);
  }, 300_000);

  it('then a table of more distinct shared strings than the cap, compressed like real text, fails naming the count cap', async () => {
    let sst = '<sst>';
    for (let i = 0; i <= 2_000_000; i++) sst += `<si><t>${i}</t></si>`;
    const file = await writeRawZip(
      tmp('sst-count.xlsx'),
      workbookEntries(deflated('xl/worksheets/sheet1.xml', sheetXml(SHEET_START)), deflated('xl/sharedStrings.xml', `${sst}</sst>`)),
    );
    const r = await ingestInChild(file);
    expect(r).toMatchObject({ status: 'failed', error: 'Too many shared strings in the workbook: it has over 2,000,000; the limit is 2,000,000.' });
    expect(r.peakMb).toBeLessThan(PEAK_RSS_LIMIT_MB);
  }, 300_000);

  it('then shared strings just under every ratio, as many and as long as the caps allow, fail naming the text cap', async () => {
    // Random text compresses barely at all: only the shared-string caps stand between this and the heap.
    const parts = ['<sst>'];
    for (let i = 0; i < 70_000; i++) parts.push(`<si><t>${randomBytes(600).toString('base64')}</t></si>`);
    parts.push('</sst>');
    const file = await writeRawZip(
      tmp('sst-text.xlsx'),
      workbookEntries(deflated('xl/worksheets/sheet1.xml', sheetXml(SHEET_START)), deflated('xl/sharedStrings.xml', parts.join(''), 1)),
    );
    const r = await ingestInChild(file);
    expect(r).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^The workbook's shared strings are too long: .*; the limit is 41,943,040 characters\.$/),
    });
    expect(r.peakMb).toBeLessThan(PEAK_RSS_LIMIT_MB);
  }, 300_000);

  it('then shared strings of two-byte text (CJK) up to the text cap, the costliest table allowed, fail within the bound', async () => {
    const parts = ['<sst>'];
    const cjk = () => {
      const codes = new Uint16Array(700);
      for (let i = 0; i < codes.length; i++) codes[i] = 0x4e00 + Math.floor(Math.random() * 20_000);
      return String.fromCharCode(...codes);
    };
    for (let i = 0; i < 75_000; i++) parts.push(`<si><t>${cjk()}</t></si>`);
    parts.push('</sst>');
    const file = await writeRawZip(
      tmp('sst-cjk.xlsx'),
      workbookEntries(deflated('xl/worksheets/sheet1.xml', sheetXml(SHEET_START)), deflated('xl/sharedStrings.xml', parts.join(''), 1)),
    );
    const r = await ingestInChild(file);
    expect(r).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^The workbook's shared strings are too long: .*; the limit is 41,943,040 characters\.$/),
    });
    expect(r.peakMb).toBeLessThan(PEAK_RSS_LIMIT_MB);
  }, 300_000);

  it('then one huge line (150 MB, no newline) fails naming the line cap', async () => {
    const file = await writeLarge(tmp('one-line.csv'), CSV_HEAD, () => 'z'.repeat(1 << 20), 150 * 1024 * 1024);
    const r = await ingestInChild(file);
    expect(r).toMatchObject({ status: 'failed', error: expect.stringMatching(/^A line is too long: line 3 runs past 1,048,576 characters/) });
    expect(r.peakMb).toBeLessThan(PEAK_RSS_LIMIT_MB);
  }, 300_000);

  it('then a sheet claiming billions of cells fails naming the cells cap', async () => {
    const rows = `<dimension ref="A1:XFD1048576"/>${SHEET_START}<row r="1048576"><c r="ZZZZZZZ1048576" t="inlineStr"><is><t>x</t></is></c></row>`;
    const file = await writeRawZip(
      tmp('billion-cells.xlsx'),
      workbookEntries(deflated('xl/worksheets/sheet1.xml', sheetXml(rows)), deflated('xl/sharedStrings.xml', EMPTY_SST)),
    );
    const r = await ingestInChild(file);
    expect(r).toMatchObject({
      status: 'failed',
      error: 'A sheet row has too many cells: row 1,048,576 has a value in column ZZZZZZZ (column 8,353,082,582); the limit is 1,024 columns.',
    });
    expect(r.peakMb).toBeLessThan(PEAK_RSS_LIMIT_MB);
  }, 300_000);
});
