// The first, short pass over a report: title, header, type, columns, and marketplace clues from the first rows.
// It reads only the head of each report, so the full pass can start knowing the currency.
import { UserError } from '../../errors.ts';
import type { RawRecord } from './csvTokenizer.ts';
import { decimalMarkOf, type DecimalMark } from './cellValues.ts';
import type { MarketplaceEvidence } from './marketplaceEvidence.ts';
import { mapColumns, requireColumns, typeFromColumns, type ColumnMap, type Field } from './reportColumns.ts';
import { reportTypeOfLabel, titleOfRecord, type ReportTitle } from './reportTitle.ts';
import type { ReportType, ReportWindow } from './types.ts';

/** A report's records, re-readable from the start (each call opens the file again). */
export interface RecordSource {
  sheet: string | null;
  open(): AsyncGenerator<RawRecord[]>;
}

export interface ProbedReport {
  source: RecordSource;
  type: ReportType;
  label: string;
  title: ReportTitle | null;
  headerLine: number;
  /** Records before the first data row (title and header): the full pass skips exactly these. */
  skip: number;
  columns: ColumnMap;
  /** The title's window, read month first or day first as the report's own row dates allow (reportTitle.ts). */
  window: ReportWindow | null;
  /** The decimal mark the report's money cells showed (`12.34` or `12,34`); null when none told (`12`, `1,234`). */
  decimalMark: DecimalMark | null;
}

/** Why a source is not an ingestible report, for the message when nothing in the file is. */
export interface Unrecognised {
  source: RecordSource;
  reason: string;
}

/** How many data rows to read for Seller, tracking-ID, decimal-mark and window clues before giving up on them. */
const CLUE_ROWS = 2000;

const LABELS: Record<ReportType, string> = { earnings: 'Fee-Earnings', orders: 'Fee-Orders', bounty: 'Bounty' };
const MONEY: readonly Field[] = ['price', 'revenue', 'adFees'];
const DATE_FIELD: Record<ReportType, Field> = { earnings: 'dateShipped', orders: 'date', bounty: 'dateShipped' };

export async function probeReport(source: RecordSource, evidence: MarketplaceEvidence): Promise<ProbedReport | Unrecognised> {
  let title: ReportTitle | null = null;
  let header: RawRecord | null = null;
  let skip = 0;
  let probed: ProbedReport | null = null;
  let dataRows = 0;
  const where = source.sheet === null ? 'The report' : `Sheet "${source.sheet}"`;
  const marks = new MarkVotes();
  let dates: WindowVotes | null = null;

  scan: for await (const batch of source.open()) {
    for (const rec of batch) {
      if (!probed) {
        skip++;
        if (skip === 1 && (title = titleOfRecord(rec.cells))) continue;
        header = rec;
        const columns = mapColumns(rec.cells);
        const byHeader = typeFromColumns(columns);
        // A first line holding one cell that is no header is a title we cannot read (a translated one, say): the
        // header is the next line, and the window stays unknown.
        if (skip === 1 && !byHeader && rec.cells.filter((c) => c.trim() !== '').length === 1) continue;
        if (title && (title.skipped || (!title.type && !byHeader))) return { source, reason: `"${title.label}" reports are not ingested` };
        // Title first; then the header's shape; a sheet's name last, so its missing columns get named.
        const type = title?.type ?? byHeader ?? (source.sheet === null ? null : reportTypeOfLabel(source.sheet));
        if (!type) return { source, reason: 'no Fee-Earnings, Fee-Orders or Bounty header' };
        const label = title?.label ?? LABELS[type];
        requireColumns(type, columns, `${where} (${label})`);
        evidence.addHeaderCurrency(columns.headerCurrency);
        evidence.addHeaderLanguage(columns.language);
        probed = { source, type, label, title, headerLine: rec.line, skip, columns, window: title?.window ?? null, decimalMark: null };
        if (title?.alternative) dates = new WindowVotes(title.window, title.alternative, columns.index[DATE_FIELD[type]]!);
        continue;
      }
      const { index } = probed.columns;
      if (index.seller !== undefined) evidence.addSeller(rec.cells[index.seller] ?? '');
      if (index.trackingId !== undefined) evidence.addTrackingId(rec.cells[index.trackingId] ?? '');
      for (const f of MONEY) {
        const at = index[f];
        if (at !== undefined) marks.add(rec.cells[at] ?? '', rec.line, probed.columns.header[f]!);
      }
      dates?.add(rec.cells);
      if (++dataRows >= CLUE_ROWS || (evidence.decisive && marks.decided && (!dates || dates.decided))) break scan;
    }
  }
  if (probed) {
    probed.decimalMark = marks.verdict(`${where} (${probed.label})`);
    probed.window = dates ? dates.verdict() : probed.window;
    return probed;
  }
  if (title) throw new UserError('invalid_input', `${where} has a title ("${title.label}") but no header line`);
  return { source, reason: header ? 'no recognisable header' : 'it is empty' };
}

/** The decimal marks a report's money cells show, with the first example of each for the message if both do. */
class MarkVotes {
  private readonly first = new Map<DecimalMark, string>();

  add(text: string, line: number, column: string): void {
    const mark = decimalMarkOf(text);
    if (mark && !this.first.has(mark)) this.first.set(mark, `${column} ${JSON.stringify(text.trim())} on line ${line}`);
  }

  get decided(): boolean {
    return this.first.size > 0;
  }

  /** One mark per report: a report showing both cannot be read without guessing which separator groups thousands. */
  verdict(where: string): DecimalMark | null {
    const dot = this.first.get('.');
    const comma = this.first.get(',');
    if (dot && comma) {
      throw new UserError(
        'invalid_input',
        `${where}: money is written both with decimal points (${dot}) and with decimal commas (${comma}); cannot tell which separates thousands`,
      );
    }
    return dot ? '.' : comma ? ',' : null;
  }
}

/** Row dates against the two readings of an ambiguous title: the reading that excludes a row loses. */
class WindowVotes {
  private outsidePrimary = 0;
  private outsideAlternative = 0;

  constructor(
    private readonly primary: ReportWindow,
    private readonly alternative: ReportWindow,
    private readonly at: number,
  ) {}

  add(cells: readonly string[]): void {
    const day = isoDay(cells[this.at] ?? '');
    if (!day) return;
    if (day < this.primary.start || day > this.primary.end) this.outsidePrimary++;
    if (day < this.alternative.start || day > this.alternative.end) this.outsideAlternative++;
  }

  get decided(): boolean {
    return this.outsidePrimary + this.outsideAlternative > 0;
  }

  /** The alternative only when the rows fit it and not the documented reading; otherwise the documented one. */
  verdict(): ReportWindow {
    return this.outsidePrimary > 0 && this.outsideAlternative === 0 ? this.alternative : this.primary;
  }
}

/** `2021-03-08 10:00:00` or `08.03.2021` → `2021-03-08`; anything else (serial numbers included) → null. */
function isoDay(text: string): string | null {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) return t.slice(0, 10);
  const m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})/.exec(t);
  return m ? `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}` : null;
}
