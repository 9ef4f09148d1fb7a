// Caps on what a report file may make the reader do. Each is far beyond anything Amazon serves (the numbers next to
// each say what a real download has), so only a broken or hostile file ever meets one; meeting one rejects the
// whole file with a message naming the limit and what the file had. Together they keep one ingest's memory flat
// whatever the file claims or contains: FEED_MAX_BYTES (200 MB) bounds the upload, these bound what it expands to.
import { UserError } from '../../errors.ts';

// ---- ZIP containers (a CSV download zipped, and every XLSX workbook) ---------------------------------------------

/**
 * Entries in one archive. Amazon's workbooks hold 15 (seven report sheets plus workbook parts); an Excel re-save
 * adds themes, styles and printer settings, a few dozen at most. A CSV download zipped holds one.
 */
export const MAX_ZIP_ENTRIES = 1_000;

/**
 * Decompressed bytes of one entry. The largest real part is a report sheet: Amazon's 5,217-row Fee-Earnings sheet
 * is 3.7 MB of XML, so a full 1,048,576-row sheet (Excel's ceiling) is about 750 MB; the bench's million-row CSV
 * is 135 MB. Checked against the size the archive declares and against the bytes actually inflated.
 */
export const MAX_ZIP_ENTRY_BYTES = 2 * 1024 ** 3;

/** Decompressed bytes of all entries of one archive together (declared, and counted while reading). */
export const MAX_ZIP_TOTAL_BYTES = 4 * 1024 ** 3;

/**
 * Decompressed : compressed bytes of one entry. Real report parts deflate 5–13× (Amazon's sheets 6–10×, the bench
 * CSV 8×, a shared-string sheet re-saved by Excel about 12×); deflate's own ceiling is about 1,030×, which is what
 * a ZIP bomb uses. Judged only once an entry has inflated past MIN_RATIO_CHECK_BYTES: tiny parts say nothing.
 */
export const MAX_ZIP_COMPRESSION_RATIO = 200;
export const MIN_RATIO_CHECK_BYTES = 1024 * 1024;

// ---- XLSX ----------------------------------------------------------------------------------------------------------

/**
 * Strings in a workbook's shared-string table, which is held in memory for the whole read. Amazon's workbooks use
 * inline strings (their table is empty); a workbook re-saved by Excel moves every distinct text into it, about
 * 3 per row of a report (name, date, category …), so this admits a re-saved report of over half a million rows.
 */
export const MAX_SHARED_STRINGS = 2_000_000;

/**
 * Characters of all shared strings together. They are stored off the JS heap at 1 byte a character (2 for text
 * outside Latin-1), so this bounds the table at 40–80 MiB. Product names run to ~200 characters; a re-saved report
 * of half a million rows with distinct names and dates has ~35 million.
 */
export const MAX_SHARED_STRING_CHARS = 40 * 1024 * 1024;

/**
 * One XML element (a sheet `<row>`, an `<si>` shared string) in characters. A real row is under 2 KB; Excel caps a
 * cell at 32,767 characters. Text between two closing tags longer than this is junk, not a row.
 */
export const MAX_XML_ELEMENT_CHARS = 4 * 1024 * 1024;

// ---- Rows, cells and lines (every format) --------------------------------------------------------------------------

/**
 * Cells in one row (CSV/TSV record or sheet row), and the highest column a non-empty sheet cell may sit in. Amazon's
 * reports have 10–13 columns; an export padded with empty columns has a few dozen. A sheet cell claiming column
 * `XFD` or beyond (or any sheet `dimension`) is never padded out to: empty cells past the cap are ignored.
 */
export const MAX_CELLS_PER_ROW = 1_024;

/**
 * One CSV/TSV record or JSON line, in characters (an unclosed quote runs into this). A real report line is under
 * 1 KB, a JSON-lines order line under 1 KB.
 */
export const MAX_LINE_CHARS = 1024 * 1024;

/**
 * Data rows in one file, all its reports together. The bench ingests a million-row report; Excel holds 1,048,576
 * rows a sheet, and Associates Central's downloads of a month are far smaller.
 */
export const MAX_ROWS_PER_FILE = 5_000_000;

/**
 * Header cells and titles longer than this are not Amazon's (the longest header, `Orders through product links`,
 * has 28 characters; a title about 60): they are kept out of name matching and shortened in messages and summaries.
 */
export const MAX_HEADER_CELL_CHARS = 200;

// ---- Messages ------------------------------------------------------------------------------------------------------

const fmt = (n: number) => n.toLocaleString('en-US');

/** `1 GiB`, `48 MiB`, `1,500 bytes`. */
export function bytesText(n: number): string {
  const units: Array<[number, string]> = [
    [1024 ** 3, 'GiB'],
    [1024 ** 2, 'MiB'],
    [1024, 'KiB'],
  ];
  for (const [size, unit] of units) if (n >= size) return `${fmt(Math.round((n / size) * 10) / 10)} ${unit}`;
  return `${fmt(n)} bytes`;
}

/**
 * A file-level rejection naming the limit and what the file had, e.g.
 * `Too many entries in the ZIP archive: it has 70,000; the limit is 1,000.`
 */
export function limitError(what: string, had: string, limit: string): UserError {
  return new UserError('invalid_input', `${what}: ${had}; the limit is ${limit}.`);
}

export const countText = fmt;

/** A short, flat copy of possibly long text for messages and summaries (never a slice that keeps a big chunk alive). */
export function shortText(text: string, max = MAX_HEADER_CELL_CHARS): string {
  return flatCopy(text.length > max ? `${text.slice(0, max)}…` : text);
}

/**
 * A copy of `text` that shares no memory with the string it was cut from. V8 represents a slice of 13+ characters
 * as a view into its parent, so keeping a short cell keeps the whole 256 KB chunk (or XML block) it came from.
 */
export function flatCopy(text: string): string {
  return text.length < 13 ? text : ` ${text}`.slice(1);
}
