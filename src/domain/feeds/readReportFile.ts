// Entry point: a report file on disk → its reports' metadata now, and a stream of typed rows on demand.
// Two passes: a short probe (container, titles, headers, marketplace clues), then the full streaming read.
import { createReadStream } from 'node:fs';
import { UserError } from '../../errors.ts';
import type { RawRecord } from './csvTokenizer.ts';
import { delimitedRecords, sniffDelimiter } from './delimitedRecords.ts';
import { jsonLineItems } from './jsonLines.ts';
import { MAX_ROWS_PER_FILE, countText, limitError } from './limits.ts';
import { MarketplaceEvidence, storeDecimalMark } from './marketplaceEvidence.ts';
import { probeReport, type ProbedReport, type RecordSource, type Unrecognised } from './reportProbe.ts';
import { rowConverter } from './rowConverter.ts';
import { readHead, readStreamHead, sniffContainer, sniffText } from './sniffContainer.ts';
import type { FeedItem, FileFormat, ReportFile, ReportMeta } from './types.ts';
import { WORKBOOK_PATH, readWorkbook } from './xlsxWorkbook.ts';
import { sheetRecords } from './xlsxSheet.ts';
import { openZip, type ZipArchive } from './zipArchive.ts';

export interface ReadReportOptions {
  /** Marketplace code or domain (`CA`, `amazon.ca`); overrides what the data suggests. */
  marketplace?: string;
  /** Reference time for the "not in the future" check; defaults to now. */
  now?: Date;
  /** Where tracking IDs are registered (tracking ID → store code), asked only when the file itself cannot tell. */
  registeredMarketplaces?: (trackingIds: string[]) => Promise<ReadonlyMap<string, string>>;
}

const CHUNK_BYTES = 256 * 1024;

interface Layout {
  format: FileFormat;
  zipped: boolean;
  sources: RecordSource[];
  date1904: boolean;
}

export async function readReportFile(path: string, opts: ReadReportOptions = {}): Promise<ReportFile> {
  const now = (opts.now ?? new Date()).getTime();
  const head = await readHead(path);
  const container = sniffContainer(head);
  if (container === 'jsonl') return jsonLinesFile(path, opts, now);

  const layout = container === 'zip' ? await zipLayout(path) : delimitedLayout(path, head);
  const evidence = new MarketplaceEvidence();
  const probed: ProbedReport[] = [];
  const skipped: Unrecognised[] = [];
  for (const source of layout.sources) {
    const p = await probeReport(source, evidence);
    if ('reason' in p) skipped.push(p);
    else probed.push(p);
  }
  if (!probed.length) throw noReport(layout, skipped);
  const lookUp = opts.marketplace === undefined && opts.registeredMarketplaces ? evidence.trackingIdsToLookUp : [];
  if (lookUp.length) evidence.addRegistered(await opts.registeredMarketplaces!(lookUp));
  const marketplace = evidence.resolve(opts.marketplace);

  // One decimal mark per report: what its own money cells showed, else the store's convention.
  const marks = probed.map((p) => p.decimalMark ?? storeDecimalMark(marketplace.code));
  const reports: ReportMeta[] = probed.map((p, index) => ({
    index,
    kind: p.type,
    sheet: p.source.sheet,
    title: p.title?.text ?? null,
    window: p.window,
    headerLine: p.headerLine,
    ignoredColumns: p.columns.ignored,
    headerLanguage: p.columns.language,
    decimalMark: marks[index]!,
  }));

  async function* batches(): AsyncGenerator<FeedItem[]> {
    // Records of every report, blank ones included, counted before they are converted: a file of millions of
    // empty or junk lines stops at the cap having cost only its tokenizing.
    let records = 0;
    for (const [index, p] of probed.entries()) {
      const convert = rowConverter(p.type, p.columns, {
        report: index,
        sheet: p.source.sheet,
        label: p.source.sheet === null ? p.label : `${p.label} (sheet "${p.source.sheet}")`,
        currency: marketplace.currency,
        decimalMark: marks[index]!,
        now,
        date1904: layout.date1904,
      });
      let toSkip = p.skip;
      for await (const batch of p.source.open()) {
        records += batch.length;
        if (records > MAX_ROWS_PER_FILE + p.skip) throw tooManyRows();
        const out: FeedItem[] = [];
        for (const rec of batch) {
          if (toSkip > 0) {
            toSkip--;
            continue;
          }
          if (!isBlank(rec)) out.push(convert(rec));
        }
        if (out.length) yield out;
      }
    }
  }

  return { format: layout.format, zipped: layout.zipped, marketplace, reports, batches, rows: () => flatten(batches()) };
}

function delimitedLayout(path: string, head: Buffer): Layout {
  const delimiter = sniffDelimiter(head.toString('utf8'));
  const source: RecordSource = {
    sheet: null,
    open: () => delimitedRecords(createReadStream(path, { highWaterMark: CHUNK_BYTES }), delimiter),
  };
  return { format: delimiter === '\t' ? 'tsv' : 'csv', zipped: false, sources: [source], date1904: false };
}

async function zipLayout(path: string): Promise<Layout> {
  const zip = await openZip(path);
  try {
    if (zip.has(WORKBOOK_PATH)) {
      const wb = await readWorkbook(zip);
      const sources = wb.sheets.map((sheet): RecordSource => ({
        sheet: sheet.name,
        open: () => fromZip(path, (z) => sheetRecords(z, sheet.path, wb.sharedStrings)),
      }));
      return { format: 'xlsx', zipped: false, sources, date1904: wb.date1904 };
    }
    const name = singleReportEntry(zip);
    const head = await readStreamHead(await zip.open(name));
    if (head.length === 0) throw new UserError('invalid_input', `${name} in the ZIP archive is empty`);
    if (sniffText(head) === 'jsonl') throw new UserError('invalid_input', 'JSON-lines feeds are read unzipped: upload the .jsonl file itself');
    const delimiter = sniffDelimiter(head.toString('utf8'));
    const source: RecordSource = { sheet: null, open: () => fromZip(path, async (z) => delimitedRecords(await z.open(name), delimiter)) };
    return { format: delimiter === '\t' ? 'tsv' : 'csv', zipped: true, sources: [source], date1904: false };
  } finally {
    zip.close();
  }
}

/** A CSV download comes zipped alone; anything else in the archive (folders, macOS metadata) is not a report. */
function singleReportEntry(zip: ZipArchive): string {
  const candidates = zip.names.filter((n) => !n.startsWith('__MACOSX/') && !/(^|\/)\./.test(n));
  const reports = candidates.filter((n) => /\.(csv|tsv|txt)$/i.test(n));
  const pick = reports.length ? reports : candidates;
  if (pick.length === 1) return pick[0]!;
  if (!pick.length) throw new UserError('invalid_input', 'The ZIP archive holds no report file');
  throw new UserError('invalid_input', `The ZIP archive holds ${pick.length} files (${pick.slice(0, 5).join(', ')}): upload one report per archive`);
}

/** Opens the archive for one read, closing it however the reader stops (end, error or an early break). */
async function* fromZip(
  path: string,
  read: (zip: ZipArchive) => AsyncGenerator<RawRecord[]> | Promise<AsyncGenerator<RawRecord[]>>,
): AsyncGenerator<RawRecord[]> {
  const zip = await openZip(path);
  try {
    yield* await read(zip);
  } finally {
    zip.close();
  }
}

function jsonLinesFile(path: string, opts: ReadReportOptions, now: number): ReportFile {
  const marketplace = opts.marketplace === undefined ? null : new MarketplaceEvidence().resolve(opts.marketplace);
  const batches = () => jsonLineItems(createReadStream(path, { highWaterMark: CHUNK_BYTES }), now);
  return {
    format: 'jsonl',
    zipped: false,
    marketplace,
    reports: [{ index: 0, kind: 'events', sheet: null, title: null, window: null, headerLine: 0, ignoredColumns: [], headerLanguage: null, decimalMark: '.' }],
    batches,
    rows: () => flatten(batches()),
  };
}

function noReport(layout: Layout, skipped: Unrecognised[]): UserError {
  if (layout.format === 'xlsx') {
    const sheets = skipped.map((s) => s.source.sheet).join(', ');
    return new UserError('invalid_input', `No Fee-Earnings, Fee-Orders or Bounty report in this workbook (sheets: ${sheets})`);
  }
  return new UserError('invalid_input', `Not a recognisable Amazon report: ${skipped[0]?.reason ?? 'nothing to read'}`);
}

function isBlank(rec: RawRecord): boolean {
  for (const c of rec.cells) if (c.trim() !== '') return false;
  return true;
}

function tooManyRows(): Error {
  return limitError('Too many rows in the file', `it has over ${countText(MAX_ROWS_PER_FILE)}`, countText(MAX_ROWS_PER_FILE));
}

async function* flatten<T>(batches: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const batch of batches) yield* batch;
}
