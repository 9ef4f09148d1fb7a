// Each cap of src/domain/feeds/limits.ts, met by a file built here on the fly: the whole file is refused with a
// UserError naming the limit and what the file had, before it can cost memory. Real reports stay far below.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { readReportFile, type FeedItem } from '../../src/domain/feeds/index.ts';
import {
  MAX_CELLS_PER_ROW,
  MAX_LINE_CHARS,
  MAX_ROWS_PER_FILE,
  MAX_SHARED_STRINGS,
  MAX_SHARED_STRING_CHARS,
  MAX_XML_ELEMENT_CHARS,
  MAX_ZIP_ENTRIES,
} from '../../src/domain/feeds/limits.ts';
import { UserError } from '../../src/errors.ts';
import {
  EARNINGS_ROW,
  EARNINGS_TITLE,
  EMPTY_SST,
  SHEET_START,
  deflated,
  hostileDir,
  repeatedDeflate,
  sheetRow,
  sheetXml,
  stored,
  workbookEntries,
  writeLarge,
  writeRawZip,
} from './support/craft.ts';
import { EARNINGS_COLUMNS } from '../support/reportColumns.ts';

const tmp = hostileDir();
let n = 0;
const next = (ext: string) => tmp(`f${n++}.${ext}`);

/** Reads every row; resolves to the rows, rejects with the reader's error. */
async function readAll(path: string): Promise<FeedItem[]> {
  const out: FeedItem[] = [];
  for await (const batch of (await readReportFile(path)).batches()) for (const item of batch) out.push(item);
  return out;
}

/** Reads every row, keeping none (a refused file may first yield millions). */
async function drain(path: string): Promise<void> {
  for await (const batch of (await readReportFile(path)).batches()) expect(batch.length).toBeGreaterThan(0);
}

async function refusal(path: string): Promise<UserError> {
  const err = await drain(path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

const csvLine = (cells: readonly string[]) => cells.join(',');
const CSV_HEAD = `${EARNINGS_TITLE}\n${csvLine(EARNINGS_COLUMNS)}\n`;
const ROW = csvLine(EARNINGS_ROW);

describe('when a ZIP archive is hostile', () => {
  it('then one whose directory claims more entries than the cap is refused before any is read', async () => {
    const path = await writeRawZip(next('zip'), [deflated('report.csv', CSV_HEAD + ROW)], { entryCount: 5000 });
    const err = await refusal(path);
    expect(err.message).toBe(`Too many entries in the ZIP archive: it has 5,000; the limit is ${MAX_ZIP_ENTRIES.toLocaleString('en-US')}.`);
  });

  it('then one that really holds 1,001 entries is refused too', async () => {
    const zip = new yazl.ZipFile();
    for (let i = 0; i <= MAX_ZIP_ENTRIES; i++) zip.addBuffer(Buffer.from('x'), `junk/${i}.txt`);
    zip.end();
    const path = next('zip');
    const out = createWriteStream(path);
    zip.outputStream.pipe(out);
    await once(out, 'close');
    expect((await refusal(path)).message).toMatch(/^Too many entries in the ZIP archive: it has 1,001; the limit is 1,000\.$/);
  });

  it('then an entry declaring more than 2 GiB unpacked is refused from its header alone', async () => {
    const entry = { ...deflated('report.csv', CSV_HEAD + ROW), uncompressedSize: 3 * 1024 ** 3 };
    const err = await refusal(await writeRawZip(next('zip'), [entry]));
    expect(err.message).toBe('A ZIP entry is too large unpacked: report.csv declares 3 GiB; the limit is 2 GiB.');
  });

  it('then entries declaring more than 4 GiB together are refused', async () => {
    const big = (name: string) => ({ ...deflated(name, 'x'), uncompressedSize: 1.5 * 1024 ** 3, compressedSize: 50 * 1024 ** 2 });
    const err = await refusal(await writeRawZip(next('zip'), [big('a.csv'), big('b.csv'), big('c.csv')]));
    expect(err.message).toMatch(/^The ZIP archive is too large unpacked: its entries declare more than 4\.5 GiB together; the limit is 4 GiB\.$/);
  });

  it('then a ZIP bomb that says what it is (a thousandfold ratio) is refused at once', async () => {
    // 1 GiB of report rows in about a megabyte.
    const { parts, crc, size } = repeatedDeflate(Buffer.from(`${ROW}\n`.repeat(15_200)), 1_000);
    const err = await refusal(await writeRawZip(next('zip'), [{ name: 'report.csv', parts, crc, uncompressedSize: size }]));
    expect(err.message).toMatch(
      /^A ZIP entry is compressed too far \(a ZIP bomb\): report\.csv declares [\d.]+ GiB from [\d.]+ MiB, [\d,]+×; the limit is 200×\.$/,
    );
  });

  it('then a bomb whose header lies about its size is stopped by counting what really inflates', async () => {
    // Declares 4 KB; inflates to 100 MB of report rows.
    const { parts, crc } = repeatedDeflate(Buffer.from(`${ROW}\n`.repeat(1_000)), 1_500);
    const head = Buffer.from(CSV_HEAD);
    const entry = { name: 'report.csv', parts: [deflateHead(head), ...parts], crc, uncompressedSize: 4096 };
    const err = await refusal(await writeRawZip(next('zip'), [entry]));
    expect(err.message).toMatch(
      /^A ZIP entry inflates past the size its header declares: report\.csv declares 4 KiB and inflates to over [\d.]+ KiB; the limit is the declared size\.$/,
    );
  });

  it('then a truncated entry is a corrupt archive, not a crash', async () => {
    const good = deflated('report.csv', (CSV_HEAD + `${ROW}\n`).repeat(50));
    const cut = { ...good, parts: [good.parts[0]!.subarray(0, 40)] };
    expect((await refusal(await writeRawZip(next('zip'), [cut]))).message).toMatch(/^Corrupt ZIP archive: report\.csv cannot be read/);
  });
});

/** Raw deflate of `data` ending on a full flush, so more blocks may follow it. */
function deflateHead(data: Buffer): Buffer {
  return repeatedDeflate(data, 1).parts[0]!;
}

describe('when a workbook is hostile', () => {
  it(`then a shared-string table of more than ${MAX_SHARED_STRINGS.toLocaleString('en-US')} strings is refused`, async () => {
    let sst = '<sst>';
    for (let i = 0; i <= MAX_SHARED_STRINGS; i++) sst += `<si><t>${i}</t></si>`;
    sst += '</sst>';
    const path = await writeRawZip(
      next('xlsx'),
      workbookEntries(deflated('xl/worksheets/sheet1.xml', sheetXml(SHEET_START)), deflated('xl/sharedStrings.xml', sst)),
    );
    expect((await refusal(path)).message).toBe('Too many shared strings in the workbook: it has over 2,000,000; the limit is 2,000,000.');
  });

  it(`then shared strings of more than ${MAX_SHARED_STRING_CHARS.toLocaleString('en-US')} characters together are refused`, async () => {
    // 55,000 distinct strings of 1,000 random characters: too little for any ratio cap, too much text.
    const parts: string[] = ['<sst>'];
    for (let i = 0; i < 55_000; i++) parts.push(`<si><t>${randomBytes(750).toString('base64')}</t></si>`);
    parts.push('</sst>');
    const path = await writeRawZip(
      next('xlsx'),
      workbookEntries(deflated('xl/worksheets/sheet1.xml', sheetXml(SHEET_START)), deflated('xl/sharedStrings.xml', parts.join(''))),
    );
    expect((await refusal(path)).message).toMatch(
      /^The workbook's shared strings are too long: [\d,]+ strings hold over 41,943,040 characters; the limit is 41,943,040 characters\.$/,
    );
  });

  it('then a row claiming a cell in column ZZZZZZZ (billions of cells) is refused without padding out to it', async () => {
    const rows = `${SHEET_START}<row r="4"><c r="ZZZZZZZ4" t="inlineStr"><is><t>boom</t></is></c></row>`;
    const path = await writeRawZip(
      next('xlsx'),
      workbookEntries(deflated('xl/worksheets/sheet1.xml', sheetXml(rows)), deflated('xl/sharedStrings.xml', EMPTY_SST)),
    );
    expect((await refusal(path)).message).toBe(
      'A sheet row has too many cells: row 4 has a value in column ZZZZZZZ (column 8,353,082,582); the limit is 1,024 columns.',
    );
  });

  it('then empty formatted cells far to the right (and a dimension claiming the whole grid) are ignored', async () => {
    const rows = `<dimension ref="A1:XFD1048576"/>${SHEET_START}<row r="4">${sheetRow(4, EARNINGS_ROW).slice('<row r="4">'.length, -'</row>'.length)}<c r="XFD4" s="3"/><c r="ZZZZZZ4"/></row>`;
    const path = await writeRawZip(
      next('xlsx'),
      workbookEntries(deflated('xl/worksheets/sheet1.xml', sheetXml(rows)), deflated('xl/sharedStrings.xml', EMPTY_SST)),
    );
    const rowsRead = await readAll(path);
    expect(rowsRead.map((r) => r.kind)).toEqual(['earnings', 'earnings']);
  });

  it(`then text of more than ${MAX_XML_ELEMENT_CHARS.toLocaleString('en-US')} characters with no closing tag is refused`, async () => {
    const rows = `${SHEET_START}<row r="4"><c r="A4" t="inlineStr"><is><t>${'x'.repeat(MAX_XML_ELEMENT_CHARS + 10)}`;
    const path = await writeRawZip(
      next('xlsx'),
      workbookEntries(stored('xl/worksheets/sheet1.xml', sheetXml(rows)), deflated('xl/sharedStrings.xml', EMPTY_SST)),
    );
    expect((await refusal(path)).message).toMatch(
      /^An element of the sheet XML is too long: over [\d,]+ characters without <\/row>; the limit is 4,194,304 characters\.$/,
    );
  });

  it('then XML that would make a pattern backtrack for hours (`<c<c<c…`) is read in one pass', async () => {
    const rows = `${SHEET_START}<row r="4">${'<c'.repeat(1_000_000)}</row><row r="5">${'<c><v>'.repeat(300_000)}</row>`;
    const path = await writeRawZip(
      next('xlsx'),
      workbookEntries(stored('xl/worksheets/sheet1.xml', sheetXml(rows)), deflated('xl/sharedStrings.xml', EMPTY_SST)),
    );
    const started = performance.now();
    expect((await readAll(path)).map((r) => r.kind)).toEqual(['earnings']);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('when a delimited or JSON-lines file is hostile', () => {
  it(`then a CSV line longer than ${MAX_LINE_CHARS.toLocaleString('en-US')} characters is refused (an unclosed quote)`, async () => {
    const path = next('csv');
    writeFileSync(path, `${CSV_HEAD}${ROW}\n"${'x'.repeat(MAX_LINE_CHARS + 5)}\n${ROW}\n`);
    expect((await refusal(path)).message).toBe(
      'A line is too long: line 4 runs past 1,048,576 characters (an unclosed quote?); the limit is 1,048,576 characters.',
    );
  });

  it('then a CSV line without any newline or quote is refused the same way', async () => {
    const path = await writeLarge(next('csv'), CSV_HEAD, () => 'y'.repeat(65536), 3 * MAX_LINE_CHARS);
    expect((await refusal(path)).message).toMatch(/^A line is too long: line 3 runs past 1,048,576 characters/);
  });

  it(`then a CSV line of more than ${MAX_CELLS_PER_ROW.toLocaleString('en-US')} cells is refused, quoted or not`, async () => {
    const plain = next('csv');
    writeFileSync(plain, `${CSV_HEAD}${ROW}\n${',x'.repeat(MAX_CELLS_PER_ROW + 10)}\n`);
    expect((await refusal(plain)).message).toBe('A line has too many cells: line 4 has 1,035; the limit is 1,024.');
    const quoted = next('csv');
    writeFileSync(quoted, `${CSV_HEAD}${ROW}\n"a"${',"x"'.repeat(MAX_CELLS_PER_ROW + 10)}\n`);
    expect((await refusal(quoted)).message).toBe('A line has too many cells: line 4 has over 1,024; the limit is 1,024.');
  });

  it('then a header cell of a megabyte of spaces is ignored without a quadratic scan', async () => {
    const path = next('csv');
    writeFileSync(path, `${EARNINGS_TITLE}\n${csvLine(EARNINGS_COLUMNS)},${' '.repeat(900_000)}(\n${ROW}\n`);
    const started = performance.now();
    const report = await readReportFile(path);
    expect(report.reports[0]!.ignoredColumns[0]!.length).toBeLessThan(210);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it(`then a file of more than ${MAX_ROWS_PER_FILE.toLocaleString('en-US')} rows is refused, empty rows counted`, async () => {
    // Ten megabytes of two-byte rows: tokenizing them is all they cost before the cap.
    const path = await writeLarge(next('csv'), `${CSV_HEAD}${ROW}\n`, () => ',\n'.repeat(32_768), (MAX_ROWS_PER_FILE + 70_000) * 2);
    expect((await refusal(path)).message).toBe('Too many rows in the file: it has over 5,000,000; the limit is 5,000,000.');
  }, 60_000);

  it(`then a JSON-lines file of more than ${MAX_ROWS_PER_FILE.toLocaleString('en-US')} lines is refused`, async () => {
    // Blank lines count: the file stops at the cap before five million lines are parsed.
    const path = await writeLarge(next('jsonl'), '{}\n', () => '\n'.repeat(65_536), MAX_ROWS_PER_FILE + 70_000);
    expect((await refusal(path)).message).toBe('Too many lines in the file: it has over 5,000,000; the limit is 5,000,000.');
  }, 60_000);

  it(`then a JSON line longer than ${MAX_LINE_CHARS.toLocaleString('en-US')} characters is refused`, async () => {
    const path = next('jsonl');
    writeFileSync(path, `{"orderId":"1"}\n{"orderId":"${'x'.repeat(MAX_LINE_CHARS)}"}\n`);
    expect((await refusal(path)).message).toMatch(
      /^A line is too long: line 2 (runs past 1,048,576|has 1,048,590) characters; the limit is 1,048,576 characters\.$/,
    );
  });
});
