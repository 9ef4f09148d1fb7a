// Hostile report files for the fault suite. Each is uploaded to the running service (web and workers in one process)
// while followers click: its ingest must end as `expect` says within `withinMs`, the process's peak memory must stay
// under `maxRssMb`, the process must stay up, and every redirect asked meanwhile must be answered 302.
//
// `BASELINE_HOSTILE_FILES` are the simple cases; `HOSTILE_FILES` the crafted bombs the reader's caps
// (src/domain/feeds/limits.ts) stop. peakMemory.faults.test.ts measures every crafted file in a worker of its own;
// here the bombs go through the API of a service that is serving redirects at the same time.
import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import {
  EARNINGS_ROW,
  EARNINGS_TITLE,
  SHEET_START,
  deflated,
  hostileDir,
  repeatedDeflate,
  sheetXml,
  workbookEntries,
  writeRawZip,
} from '../../hostile/support/craft.ts';
import { EARNINGS_COLUMNS } from '../../support/reportColumns.ts';

export interface HostileFile {
  /** Says what the file is, in the test's name ("… then <name> …"). */
  name: string;
  body: () => Buffer | Promise<Buffer>;
  /** How its ingest must end: `failed` with a reason matching `error`, or `succeeded` (its bad rows rejected). */
  expect: { status: 'failed' | 'succeeded'; error?: RegExp };
  /** From upload to the ingest's final status (default 20 s). */
  withinMs?: number;
  /** The service's peak resident memory while it is read (default 768 MB). */
  maxRssMb?: number;
}

/** A ZIP whose only entry claims to be a CSV but holds a little deflated junk after a truncated local header. */
function truncatedZip(): Buffer {
  const junk = deflateRawSync(Buffer.alloc(4096, 0x41));
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0); // local file header signature
  header.writeUInt16LE(8, 8); // deflate
  header.writeUInt32LE(junk.length, 18);
  header.writeUInt32LE(1 << 30, 22); // claims 1 GB uncompressed
  header.writeUInt16LE(10, 26);
  return Buffer.concat([header, Buffer.from('report.csv'), junk.subarray(0, junk.length >> 1)]);
}

export const BASELINE_HOSTILE_FILES: HostileFile[] = [
  { name: 'binary junk', body: () => Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7919) % 256)), expect: { status: 'failed' } },
  { name: 'a truncated ZIP claiming a 1 GB entry', body: truncatedZip, expect: { status: 'failed' } },
];

const CSV_HEAD = `${EARNINGS_TITLE}\n${EARNINGS_COLUMNS.join(',')}\n`;
const ROW = `${EARNINGS_ROW.join(',')}\n`;
const tmp = hostileDir();

/** A zipped CSV of 1.8 GiB of rows in 7 MB. */
async function zipBomb(): Promise<Buffer> {
  const { parts, crc, size } = repeatedDeflate(Buffer.from(ROW.repeat(15_200)), 1_500);
  const head = repeatedDeflate(Buffer.from(CSV_HEAD), 1).parts[0]!;
  return readFileSync(await writeRawZip(tmp('bomb.zip'), [{ name: 'report.csv', parts: [head, ...parts], crc, uncompressedSize: size }]));
}

/** A 1.5 MB workbook whose shared strings expand to 600 MB (36 million one-letter strings). */
async function sharedStringBomb(): Promise<Buffer> {
  const { parts, crc, size } = repeatedDeflate(Buffer.from('<si><t>x</t></si>'.repeat(60_000)), 600);
  const sst = { name: 'xl/sharedStrings.xml', parts: [repeatedDeflate(Buffer.from('<sst>'), 1).parts[0]!, ...parts], crc, uncompressedSize: size };
  return readFileSync(await writeRawZip(tmp('sst-bomb.xlsx'), workbookEntries(deflated('xl/worksheets/sheet1.xml', sheetXml(SHEET_START)), sst)));
}

/** Crafted ZIP/XLSX bombs: the suite runs each one like the baseline cases. */
export const HOSTILE_FILES: HostileFile[] = [
  { name: 'a ZIP bomb (1.8 GiB of CSV rows in 7 MB)', body: zipBomb, expect: { status: 'failed', error: /compressed too far \(a ZIP bomb\)/ }, maxRssMb: 400 },
  {
    name: 'a workbook whose shared strings expand to 600 MB',
    body: sharedStringBomb,
    expect: { status: 'failed', error: /compressed too far \(a ZIP bomb\)/ },
    maxRssMb: 400,
  },
];
