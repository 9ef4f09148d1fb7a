// The first, short pass over a report: title, header, type, columns, and marketplace clues from the first rows.
// It reads only the head of each report, so the full pass can start knowing the currency.
import { UserError } from '../../errors.ts';
import type { RawRecord } from './csvTokenizer.ts';
import type { MarketplaceEvidence } from './marketplaceEvidence.ts';
import { mapColumns, requireColumns, typeFromColumns, type ColumnMap } from './reportColumns.ts';
import { reportTypeOfLabel, titleOfRecord, type ReportTitle } from './reportTitle.ts';
import type { ReportType } from './types.ts';

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
}

/** Why a source is not an ingestible report, for the message when nothing in the file is. */
export interface Unrecognised {
  source: RecordSource;
  reason: string;
}

/** How many data rows to read for Seller and tracking-ID clues before giving up on finding a Seller. */
const CLUE_ROWS = 2000;

const LABELS: Record<ReportType, string> = { earnings: 'Fee-Earnings', orders: 'Fee-Orders', bounty: 'Bounty' };

export async function probeReport(source: RecordSource, evidence: MarketplaceEvidence): Promise<ProbedReport | Unrecognised> {
  let title: ReportTitle | null = null;
  let header: RawRecord | null = null;
  let skip = 0;
  let probed: ProbedReport | null = null;
  let dataRows = 0;
  const where = source.sheet === null ? 'The report' : `Sheet "${source.sheet}"`;

  scan: for await (const batch of source.open()) {
    for (const rec of batch) {
      if (!probed) {
        skip++;
        if (skip === 1 && (title = titleOfRecord(rec.cells))) continue;
        header = rec;
        const columns = mapColumns(rec.cells);
        if (title && !title.type) return { source, reason: `"${title.label}" reports are not ingested` };
        // Title first; then the header's shape; a sheet's name last, so its missing columns get named.
        const type = title?.type ?? typeFromColumns(columns) ?? (source.sheet === null ? null : reportTypeOfLabel(source.sheet));
        if (!type) return { source, reason: 'no Fee-Earnings, Fee-Orders or Bounty header' };
        requireColumns(type, columns, `${where} (${title?.label ?? LABELS[type]})`);
        evidence.addHeaderCurrency(columns.headerCurrency);
        probed = { source, type, label: title?.label ?? LABELS[type], title, headerLine: rec.line, skip, columns };
        continue;
      }
      const { index } = probed.columns;
      if (index.seller !== undefined) evidence.addSeller(rec.cells[index.seller] ?? '');
      if (index.trackingId !== undefined) evidence.addTrackingId(rec.cells[index.trackingId] ?? '');
      if (++dataRows >= CLUE_ROWS || evidence.decisive) break scan;
    }
  }
  if (probed) return probed;
  if (title) throw new UserError('invalid_input', `${where} has a title ("${title.label}") but no header line`);
  return { source, reason: header ? 'no recognisable header' : 'it is empty' };
}
