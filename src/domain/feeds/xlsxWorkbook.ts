// Workbook-level parts of an XLSX: sheet names → sheet XML paths, the shared-string table, the date system.
// Amazon's workbooks use inline strings (an empty shared-string table), but Excel re-saves use shared strings.
import { decodeXml, richText, streamXmlElements } from './xlsxXml.ts';
import type { ZipArchive } from './zipArchive.ts';
import { UserError } from '../../errors.ts';

export interface WorkbookSheet {
  name: string;
  path: string;
}

export interface Workbook {
  sheets: WorkbookSheet[];
  sharedStrings: string[];
  date1904: boolean;
}

export const WORKBOOK_PATH = 'xl/workbook.xml';

export async function readWorkbook(zip: ZipArchive): Promise<Workbook> {
  const xml = await zip.readText(WORKBOOK_PATH, 8 << 20);
  const rels = zip.has('xl/_rels/workbook.xml.rels') ? await zip.readText('xl/_rels/workbook.xml.rels', 8 << 20) : '';
  const targets = new Map<string, { type: string; target: string }>();
  for (const m of rels.matchAll(/<Relationship\b([^>]*)>/g)) {
    const attrs = m[1]!;
    const id = attr(attrs, 'Id');
    const target = attr(attrs, 'Target');
    if (id && target) targets.set(id, { type: attr(attrs, 'Type') ?? '', target: resolvePart(target) });
  }

  const sheets: WorkbookSheet[] = [];
  for (const m of xml.matchAll(/<(?:\w+:)?sheet\b([^>]*?)\/?>/g)) {
    const attrs = m[1]!;
    const name = attr(attrs, 'name');
    const relId = /\s[\w]+:id="([^"]*)"/.exec(attrs)?.[1];
    const path = relId ? targets.get(relId)?.target : undefined;
    if (name !== undefined && path && zip.has(path)) sheets.push({ name: decodeXml(name), path });
  }
  if (!sheets.length) throw new UserError('invalid_input', 'The workbook has no readable sheets');

  const date1904 = /<(?:\w+:)?workbookPr\b[^>]*\bdate1904="(?:true|1)"/.test(xml);
  const sstPath = [...targets.values()].find((t) => t.type.endsWith('/sharedStrings'))?.target ?? 'xl/sharedStrings.xml';
  const sharedStrings = zip.has(sstPath) ? await readSharedStrings(zip, sstPath) : [];
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

async function readSharedStrings(zip: ZipArchive, path: string): Promise<string[]> {
  const out: string[] = [];
  const stream = await zip.open(path);
  for await (const block of streamXmlElements(stream, '</si>')) {
    for (const m of block.matchAll(/<si\b[^>]*?(?:\/>|>([\s\S]*?)<\/si>)/g)) out.push(richText(m[1] ?? ''));
  }
  return out;
}
