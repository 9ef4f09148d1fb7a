// Test inputs built on the fly: temp files, ZIPs (yazl), tiny XLSX workbooks, and the raw cells of a fixture sheet
// read straight from its XML, so expectations never come from the parser under test.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { afterAll } from 'vitest';
import { FIXTURES } from '../../support/fixturePaths.ts';

export { FIXTURES };

/** A temp dir removed after the test file. */
export function tempDir(): (name: string) => string {
  const dir = mkdtempSync(join(tmpdir(), 'feeds-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return (name) => join(dir, name);
}

export function writeText(path: string, text: string | Buffer): string {
  writeFileSync(path, text);
  return path;
}

export async function writeZip(path: string, entries: Record<string, string | Buffer>): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const [name, body] of Object.entries(entries)) zip.addBuffer(Buffer.from(body), name);
  zip.end();
  const out = createWriteStream(path);
  zip.outputStream.pipe(out);
  await once(out, 'close');
  return path;
}

/** Text (inline string), number, `{ n }` a number cell with exactly this XML text, `{ s }` a shared string, or a formula. */
type Cell = string | number | { n: string } | { s: number } | { formula: string; cached: string };

/** A minimal workbook: one sheet per entry, inline strings unless a cell is `{ s: index }` into sharedStrings. */
export async function writeXlsx(
  path: string,
  sheets: Array<{ name: string; rows: Cell[][] }>,
  opts: { sharedStrings?: string[]; date1904?: boolean } = {},
): Promise<string> {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const col = (i: number) => String.fromCharCode(65 + i);
  const entries: Record<string, string> = {
    '[Content_Types].xml': '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    'xl/workbook.xml':
      `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
      `<workbookPr date1904="${opts.date1904 ? 'true' : 'false'}"/><sheets>` +
      sheets.map((s, i) => `<sheet name="${esc(s.name)}" sheetId="${i + 1}" r:id="rId${i + 10}"/>`).join('') +
      `</sheets></workbook>`,
    'xl/_rels/workbook.xml.rels':
      `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      `<Relationship Id="rId1" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>` +
      sheets
        .map(
          (_, i) =>
            `<Relationship Id="rId${i + 10}" Target="worksheets/sheet${i + 1}.xml" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>`,
        )
        .join('') +
      `</Relationships>`,
    'xl/sharedStrings.xml':
      `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
      (opts.sharedStrings ?? []).map((s) => `<si><t xml:space="preserve">${esc(s)}</t></si>`).join('') +
      `</sst>`,
  };
  sheets.forEach((sheet, i) => {
    const rows = sheet.rows
      .map((cells, r) => {
        const body = cells
          .map((c, ci) => {
            const ref = `${col(ci)}${r + 1}`;
            if (typeof c === 'number') return `<c r="${ref}" t="n"><v>${c}</v></c>`;
            if (typeof c === 'object' && 'n' in c) return `<c r="${ref}" t="n"><v>${c.n}</v></c>`;
            if (typeof c === 'object' && 's' in c) return `<c r="${ref}" t="s"><v>${c.s}</v></c>`;
            if (typeof c === 'object') return `<c r="${ref}" t="str"><f>${esc(c.formula)}</f><v>${esc(c.cached)}</v></c>`;
            if (c === '') return '';
            return `<c r="${ref}" t="inlineStr"><is><t>${esc(c)}</t></is></c>`;
          })
          .join('');
        return `<row r="${r + 1}">${body}</row>`;
      })
      .join('\n');
    entries[`xl/worksheets/sheet${i + 1}.xml`] =
      `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>\n${rows}\n</sheetData></worksheet>`;
  });
  return writeZip(path, entries);
}

/** One entry of a ZIP as text, through yauzl directly (not through the reader under test). */
export async function zipEntryText(path: string, name: string): Promise<string> {
  const zip = await yauzl.fromBufferPromise(readFileSync(path), { lazyEntries: true });
  try {
    for (;;) {
      const entry = await nextEntry(zip);
      if (!entry) throw new Error(`${name} not in ${path}`);
      if (entry.fileName !== name) continue;
      const parts: Buffer[] = [];
      for await (const chunk of await zip.openReadStreamPromise(entry)) parts.push(chunk as Buffer);
      return Buffer.concat(parts).toString('utf8');
    }
  } finally {
    zip.close();
  }
}

/**
 * The next central-directory entry, or null at the end. Whichever of entry/end/error fires, the other two listeners
 * are removed: left behind, they pile up one pair per entry on the ZipFile and trip Node's MaxListenersExceededWarning
 * on any workbook with more than ten parts before the one wanted.
 */
function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const settle = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (e: yauzl.Entry) => (settle(), resolve(e));
    const onEnd = () => (settle(), resolve(null));
    const onError = (err: Error) => (settle(), reject(err));
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

/**
 * A fixture sheet as rows of cell text, by a deliberately naive regex over Amazon's regular XML (inline strings,
 * `<v>` numbers, cells in column order). Independent of src/domain/feeds.
 */
export async function fixtureSheetCells(file: string, sheetXml: string): Promise<string[][]> {
  const xml = await zipEntryText(join(FIXTURES, file), sheetXml);
  const decode = (s: string) =>
    s
      .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
      .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  return [...xml.matchAll(/<row r="\d+">([\s\S]*?)<\/row>/g)].map((row) =>
    [...row[1]!.matchAll(/<c r="[A-Z]+\d+"[^>]*>(?:<is><t[^>]*>([\s\S]*?)<\/t><\/is>|<v>([^<]*)<\/v>)<\/c>/g)].map((c) => decode(c[1] ?? c[2] ?? '')),
  );
}

/** Decimal string → cents, half away from zero, by BigInt over the digits: the test's own money arithmetic. */
export function cents(decimal: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(decimal.trim());
  if (!m) throw new Error(`not a decimal: ${decimal}`);
  const frac = (m[3] ?? '').padEnd(3, '0');
  let v = BigInt(m[2]!) * 100n + BigInt(frac.slice(0, 2));
  if (Number(frac[2]) >= 5) v += 1n;
  return m[1] ? -v : v;
}

/** RFC 4180 writer for the variants: `quoteAll` quotes every field, otherwise only those that need it. */
export function toDelimited(rows: string[][], opts: { delimiter?: string; quoteAll?: boolean; eol?: string; bom?: boolean } = {}): string {
  const d = opts.delimiter ?? ',';
  const field = (v: string) => (opts.quoteAll || v.includes(d) || v.includes('"') || v.includes('\n') || v.includes('\r') ? `"${v.replace(/"/g, '""')}"` : v);
  const eol = opts.eol ?? '\n';
  return (opts.bom ? '\uFEFF' : '') + rows.map((r) => r.map(field).join(d)).join(eol) + eol;
}
