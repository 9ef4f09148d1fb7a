// Workbook-level parts of an XLSX: sheet names → sheet XML paths, the shared-string table, the date system.
// Amazon's workbooks use inline strings (an empty shared-string table), but Excel re-saves use shared strings.
import { UserError } from '../../errors.ts';
import { MAX_HEADER_CELL_CHARS, MAX_SHARED_STRINGS, MAX_SHARED_STRING_CHARS, countText, flatCopy, limitError, shortText } from './limits.ts';
import { decodeXml, forEachElement, richText, streamXmlElements } from './xlsxXml.ts';
import type { ZipArchive } from './zipArchive.ts';

export interface WorkbookSheet {
  name: string;
  path: string;
}

export interface Workbook {
  sheets: WorkbookSheet[];
  sharedStrings: SharedStrings;
  date1904: boolean;
}

export const WORKBOOK_PATH = 'xl/workbook.xml';

/** workbook.xml and its relationships are a few KB; a megabyte of either is not a workbook Excel wrote. */
const MAX_WORKBOOK_PART_BYTES = 1 << 20;

// Attributes are bounded so that a hostile part cannot make these scans backtrack for long.
const SHEET = /<(?:\w{1,20}:)?sheet\b([^>]{0,2000}?)\/?>/g;
const RELATIONSHIP = /<Relationship\b([^>]{0,4000})>/g;

export async function readWorkbook(zip: ZipArchive): Promise<Workbook> {
  const xml = await zip.readText(WORKBOOK_PATH, MAX_WORKBOOK_PART_BYTES);
  const rels = zip.has('xl/_rels/workbook.xml.rels') ? await zip.readText('xl/_rels/workbook.xml.rels', MAX_WORKBOOK_PART_BYTES) : '';
  const targets = new Map<string, { type: string; target: string }>();
  for (const m of rels.matchAll(RELATIONSHIP)) {
    const attrs = m[1]!;
    const id = attr(attrs, 'Id');
    const target = attr(attrs, 'Target');
    if (id && target) targets.set(id, { type: attr(attrs, 'Type') ?? '', target: resolvePart(target) });
  }

  const sheets: WorkbookSheet[] = [];
  for (const m of xml.matchAll(SHEET)) {
    const attrs = m[1]!;
    const name = attr(attrs, 'name');
    const relId = /\s[\w]+:id="([^"]*)"/.exec(attrs)?.[1];
    const path = relId ? targets.get(relId)?.target : undefined;
    // Excel allows 31 characters; a longer name is shortened for messages and row errors.
    if (name !== undefined && path && zip.has(path)) sheets.push({ name: shortText(decodeXml(name), MAX_HEADER_CELL_CHARS), path });
  }
  if (!sheets.length) throw new UserError('invalid_input', 'The workbook has no readable sheets');

  const date1904 = /<(?:\w+:)?workbookPr\b[^>]{0,2000}\bdate1904="(?:true|1)"/.test(xml);
  const sstPath = [...targets.values()].find((t) => t.type.endsWith('/sharedStrings'))?.target ?? 'xl/sharedStrings.xml';
  const sharedStrings = zip.has(sstPath) ? await readSharedStrings(zip, sstPath) : new SharedStrings();
  return { sheets, sharedStrings, date1904 };
}

/** Relationship targets are relative to xl/ unless absolute. */
function resolvePart(target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = `xl/${target}`.split('/');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '..') out.pop();
    else if (p !== '.') out.push(p);
  }
  return out.join('/');
}

function attr(attrs: string, name: string): string | undefined {
  return new RegExp(`(?:^|\\s)${name}="([^"]*)"`).exec(attrs)?.[1];
}

async function readSharedStrings(zip: ZipArchive, path: string): Promise<SharedStrings> {
  const table = new SharedStrings();
  const stream = await zip.open(path);
  for await (const block of streamXmlElements(stream, '</si>', 'shared-string')) {
    forEachElement(block, 'si', (_attrs, body) => table.add(body === null ? '' : richText(body)));
  }
  table.finish();
  return table;
}

/**
 * The shared-string table, held compactly and off the JS heap: strings are gathered into pages of up to PAGE_STRINGS
 * strings or PAGE_CHARS characters, each page stored as one Buffer (Latin-1 when every character fits, else UTF-16)
 * with its offsets in a Uint32Array. A table costs its characters (1–2 bytes each) plus 4 bytes a string, exactly,
 * with no garbage-collector headroom on top. Capped by MAX_SHARED_STRINGS and MAX_SHARED_STRING_CHARS while read.
 */
export class SharedStrings {
  private static readonly PAGE_STRINGS = 1 << 16;
  private static readonly PAGE_CHARS = 1 << 20;
  private readonly pages: Array<{ first: number; bytes: Buffer; wide: boolean; offsets: Uint32Array }> = [];
  private pending: string[] = [];
  private pendingChars = 0;
  private count = 0;
  private chars = 0;

  constructor(strings: readonly string[] = []) {
    for (const s of strings) this.add(s);
    this.finish();
  }

  get size(): number {
    return this.count;
  }

  add(text: string): void {
    this.count++;
    this.chars += text.length;
    if (this.count > MAX_SHARED_STRINGS) {
      throw limitError('Too many shared strings in the workbook', `it has over ${countText(MAX_SHARED_STRINGS)}`, countText(MAX_SHARED_STRINGS));
    }
    if (this.chars > MAX_SHARED_STRING_CHARS) {
      throw limitError(
        "The workbook's shared strings are too long",
        `${countText(this.count)} strings hold over ${countText(MAX_SHARED_STRING_CHARS)} characters`,
        `${countText(MAX_SHARED_STRING_CHARS)} characters`,
      );
    }
    // A copy, not a slice of the XML block it came from: a slice keeps its whole block alive until the page is sealed.
    this.pending.push(flatCopy(text));
    this.pendingChars += text.length;
    if (this.pending.length === SharedStrings.PAGE_STRINGS || this.pendingChars >= SharedStrings.PAGE_CHARS) this.seal();
  }

  /** Stores what is pending as a page; call once everything is added. */
  finish(): void {
    if (this.pending.length) this.seal();
  }

  get(index: number): string | undefined {
    if (!(index >= 0 && index < this.count) || !Number.isInteger(index)) return undefined;
    // The last page starting at or before index (pages are few: binary search).
    let lo = 0;
    let hi = this.pages.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.pages[mid]!.first <= index) lo = mid;
      else hi = mid - 1;
    }
    const page = this.pages[lo];
    if (!page) return undefined;
    const at = index - page.first;
    if (at + 1 >= page.offsets.length) return undefined;
    const width = page.wide ? 2 : 1;
    return page.bytes.toString(page.wide ? 'utf16le' : 'latin1', page.offsets[at]! * width, page.offsets[at + 1]! * width);
  }

  private seal(): void {
    const offsets = new Uint32Array(this.pending.length + 1);
    let at = 0;
    this.pending.forEach((s, i) => {
      offsets[i] = at;
      at += s.length;
    });
    offsets[this.pending.length] = at;
    const text = this.pending.join('');
    const wide = /[^\u0000-\u00ff]/.test(text);
    this.pages.push({ first: this.count - this.pending.length, bytes: Buffer.from(text, wide ? 'utf16le' : 'latin1'), wide, offsets });
    this.pending = [];
    this.pendingChars = 0;
  }
}
