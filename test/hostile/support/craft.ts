// Hostile files built on the fly (never committed): ZIPs written byte by byte so their headers can say anything,
// deflate streams that expand a thousandfold, workbooks with a poisoned part. Large outputs are streamed to disk.
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { afterAll } from 'vitest';
import { EARNINGS_COLUMNS } from '../../support/reportColumns.ts';

/** A temp dir removed after the test file. */
export function hostileDir(): (name: string) => string {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return (name) => join(dir, name);
}

/** Raw DEFLATE data that inflates to `copies` × `unit`, built from one full-flushed block repeated (no history). */
export function repeatedDeflate(unit: Buffer, copies: number): { parts: Buffer[]; crc: number; size: number } {
  const block = deflateRawSync(unit, { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  let crc = 0;
  for (let i = 0; i < copies; i++) crc = crc32(unit, crc);
  return { parts: [...Array<Buffer>(copies).fill(block), deflateRawSync(Buffer.alloc(0))], crc, size: unit.length * copies };
}

export interface RawZipEntry {
  name: string;
  /** 8 (deflate) or 0 (stored). */
  method?: 0 | 8;
  /** The entry's bytes as stored in the archive (raw deflate for method 8). */
  parts: Buffer[];
  crc: number;
  /** What the headers claim; the true sizes when left out. */
  uncompressedSize: number;
  compressedSize?: number;
}

/** Deflates `text` the ordinary way: a well-formed entry (level 1 makes large test parts quick to build). */
export function deflated(name: string, text: string | Buffer, level = 6): RawZipEntry {
  const data = Buffer.from(text);
  return { name, parts: [deflateRawSync(data, { level })], crc: crc32(data), uncompressedSize: data.length };
}

/** Writes a ZIP whose local and central headers say exactly what each entry claims; `entryCount` can lie too. */
export async function writeRawZip(path: string, entries: RawZipEntry[], opts: { entryCount?: number } = {}): Promise<string> {
  const out = createWriteStream(path);
  let offset = 0;
  const write = async (b: Buffer) => {
    offset += b.length;
    if (!out.write(b)) await once(out, 'drain');
  };
  const central: Buffer[] = [];
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const stored = e.parts.reduce((n, p) => n + p.length, 0);
    const compressed = e.compressedSize ?? stored;
    const method = e.method ?? 8;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(e.crc >>> 0, 14);
    local.writeUInt32LE(compressed, 18);
    local.writeUInt32LE(e.uncompressedSize, 22);
    local.writeUInt16LE(name.length, 26);
    const at = offset;
    await write(Buffer.concat([local, name]));
    for (const p of e.parts) await write(p);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x0800, 8);
    c.writeUInt16LE(method, 10);
    c.writeUInt32LE(e.crc >>> 0, 16);
    c.writeUInt32LE(compressed, 20);
    c.writeUInt32LE(e.uncompressedSize, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(at, 42);
    central.push(c, name);
  }
  const cdStart = offset;
  const cd = Buffer.concat(central);
  await write(cd);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  const count = opts.entryCount ?? entries.length;
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(cdStart, 16);
  await write(end);
  out.end();
  await once(out, 'finish');
  return path;
}

// ---- Workbook parts --------------------------------------------------------------------------------------------

export const CONTENT_TYPES = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>';
export const WORKBOOK =
  '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' +
  'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Fee-Earnings" sheetId="1" r:id="rId10"/></sheets></workbook>';
export const WORKBOOK_RELS =
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>' +
  '<Relationship Id="rId10" Target="worksheets/sheet1.xml" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>';

export const EARNINGS_ROW = ['Home', 'Lamp', 'B000000001', 'Amazon.com', 'shop-20', '2021-03-08 10:00:00', '12.50', '1', '0', '12.50', '0.38', 'PHONE'];
export const EARNINGS_TITLE = 'Fee-Earnings reports from 03-07-2021 to 04-05-2021';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const col = (i: number) => String.fromCharCode(65 + i);

/** A sheet row of inline strings, cells A, B, C … */
export function sheetRow(r: number, cells: readonly string[]): string {
  return `<row r="${r}">${cells.map((c, i) => `<c r="${col(i)}${r}" t="inlineStr"><is><t>${esc(c)}</t></is></c>`).join('')}</row>`;
}

export function sheetXml(rows: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows}</sheetData></worksheet>`;
}

/** The title, header and one good Fee-Earnings row as sheet XML rows 1–3. */
export const SHEET_START = sheetRow(1, [EARNINGS_TITLE]) + sheetRow(2, EARNINGS_COLUMNS) + sheetRow(3, EARNINGS_ROW);

/** A workbook of one Fee-Earnings sheet, with `sharedStrings` and `sheet` entries supplied by the caller. */
export function workbookEntries(sheet: RawZipEntry, sharedStrings: RawZipEntry): RawZipEntry[] {
  return [
    deflated('[Content_Types].xml', CONTENT_TYPES),
    deflated('xl/workbook.xml', WORKBOOK),
    deflated('xl/_rels/workbook.xml.rels', WORKBOOK_RELS),
    sharedStrings,
    sheet,
  ];
}

export const EMPTY_SST = '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"></sst>';

/** Writes `total` bytes of text made by `chunk(i)` (called until enough) to `path`, streaming. */
export async function writeLarge(path: string, head: string, chunk: (i: number) => string, total: number, tail = ''): Promise<string> {
  const out = createWriteStream(path);
  let written = 0;
  const write = async (s: string) => {
    written += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(head);
  for (let i = 0; written < total; i++) await write(chunk(i));
  await write(tail);
  out.end();
  await once(out, 'finish');
  return path;
}

/** `text` stored uncompressed: a part whose content, not its compression, is what is tested. */
export function stored(name: string, text: string | Buffer): RawZipEntry {
  const data = Buffer.from(text);
  return { name, method: 0, parts: [data], crc: crc32(data), uncompressedSize: data.length };
}
