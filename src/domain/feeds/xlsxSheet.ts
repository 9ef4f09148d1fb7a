// Streams one worksheet's rows as records of cell text. Numbers come out as the decimal string written in the XML
// (exponents expanded), never through a double; formulas are never evaluated, only their cached value is read.
import type { RawRecord } from './csvTokenizer.ts';
import { plainDecimal } from './cellValues.ts';
import { decodeXml, richText, streamXmlElements } from './xlsxXml.ts';
import type { ZipArchive } from './zipArchive.ts';

const ROW = /<row\b([^>]*?)(?:\/>|>([\s\S]*?)<\/row>)/g;
const CELL = /<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g;
const VALUE = /<v(?:\s[^>]*)?>([\s\S]*?)<\/v>/;
const INLINE = /<is>([\s\S]*?)<\/is>/;

export async function* sheetRecords(zip: ZipArchive, path: string, sharedStrings: readonly string[]): AsyncGenerator<RawRecord[]> {
  const stream = await zip.open(path);
  let nextRow = 1;
  for await (const block of streamXmlElements(stream, '</row>')) {
    const out: RawRecord[] = [];
    for (const m of block.matchAll(ROW)) {
      const r = /\br="(\d+)"/.exec(m[1]!);
      const line = r ? Number(r[1]) : nextRow;
      nextRow = line + 1;
      const cells = m[2] ? rowCells(m[2], sharedStrings) : [];
      if (cells.some((c) => c !== '')) out.push({ line, cells });
    }
    if (out.length) yield out;
  }
}

function rowCells(body: string, sharedStrings: readonly string[]): string[] {
  const cells: string[] = [];
  for (const m of body.matchAll(CELL)) {
    const attrs = m[1]!;
    const ref = /\br="([A-Z]+)\d*"/.exec(attrs);
    const col = ref ? columnIndex(ref[1]!) : cells.length;
    while (cells.length < col) cells.push('');
    cells[col] = cellText(/\bt="(\w+)"/.exec(attrs)?.[1] ?? 'n', m[2] ?? '', sharedStrings);
  }
  return cells;
}

function cellText(type: string, inner: string, sharedStrings: readonly string[]): string {
  if (type === 'inlineStr') {
    const is = INLINE.exec(inner);
    return is ? richText(is[1]!) : '';
  }
  const v = VALUE.exec(inner)?.[1];
  if (v === undefined) return '';
  switch (type) {
    case 's':
      return sharedStrings[Number(v)] ?? '';
    case 'n':
      return plainDecimal(v);
    case 'b':
      return v === '1' ? 'TRUE' : 'FALSE';
    default: // str (formula result), e (error such as #N/A), d (ISO date)
      return decodeXml(v);
  }
}

/** `A` → 0, `Z` → 25, `AA` → 26. */
export function columnIndex(letters: string): number {
  let n = 0;
  for (let i = 0; i < letters.length; i++) n = n * 26 + (letters.charCodeAt(i) - 64);
  return n - 1;
}
