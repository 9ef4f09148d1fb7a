// Streams one worksheet's rows as records of cell text. Numbers come out as the decimal string written in the XML
// (exponents expanded), never through a double; formulas are never evaluated, only their cached value is read.
// A cell's column comes from its reference (`C7`): a hostile one (`XFD7`, `ZZZZZZ7`) is never padded out to, so
// a sheet claiming billions of cells costs what its XML holds, no more (MAX_CELLS_PER_ROW).
import type { RawRecord } from './csvTokenizer.ts';
import { plainDecimal } from './cellValues.ts';
import { MAX_CELLS_PER_ROW, countText, limitError, shortText } from './limits.ts';
import type { SharedStrings } from './xlsxWorkbook.ts';
import { decodeXml, firstElementBody, forEachElement, richText, streamXmlElements } from './xlsxXml.ts';
import type { ZipArchive } from './zipArchive.ts';

const ROW_NUMBER = /\br="(\d{1,10})"/;
const CELL_REF = /\br="([A-Za-z]+)\d*"/;
const CELL_TYPE = /\bt="(\w{1,12})"/;

export async function* sheetRecords(zip: ZipArchive, path: string, sharedStrings: SharedStrings): AsyncGenerator<RawRecord[]> {
  const stream = await zip.open(path);
  let nextRow = 1;
  for await (const block of streamXmlElements(stream, '</row>')) {
    const out: RawRecord[] = [];
    forEachElement(block, 'row', (attrs, body) => {
      const r = ROW_NUMBER.exec(attrs);
      const line = r ? Number(r[1]) : nextRow;
      nextRow = line + 1;
      if (body === null) return;
      const cells = rowCells(body, sharedStrings, line);
      if (cells.some((c) => c !== '')) out.push({ line, cells });
    });
    if (out.length) yield out;
  }
}

function rowCells(body: string, sharedStrings: SharedStrings, line: number): string[] {
  const cells: string[] = [];
  forEachElement(body, 'c', (attrs, inner) => {
    const ref = CELL_REF.exec(attrs);
    const col = ref ? columnIndex(ref[1]!.toUpperCase()) : cells.length;
    const text = inner === null ? '' : cellText(CELL_TYPE.exec(attrs)?.[1] ?? 'n', inner, sharedStrings);
    if (col >= MAX_CELLS_PER_ROW) {
      // Formatting can reach far right with nothing in it: that is ignored. Text out there is not a report.
      if (text === '') return;
      throw limitError(
        'A sheet row has too many cells',
        `row ${countText(line)} has a value in column ${shortText(ref?.[1] ?? String(col + 1), 12)} (column ${countText(col + 1)})`,
        `${countText(MAX_CELLS_PER_ROW)} columns`,
      );
    }
    while (cells.length < col) cells.push('');
    cells[col] = text;
  });
  return cells;
}

function cellText(type: string, inner: string, sharedStrings: SharedStrings): string {
  if (type === 'inlineStr') {
    const is = firstElementBody(inner, 'is');
    return is ? richText(is) : '';
  }
  const v = firstElementBody(inner, 'v');
  if (v === undefined) return '';
  switch (type) {
    case 's':
      return sharedStrings.get(Number(v)) ?? '';
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
