// Line 1 of an Amazon report names it and its window: `Fee-Earnings reports from 03-07-2021 to 04-05-2021`.
import type { ReportType, ReportWindow } from './types.ts';

export interface ReportTitle {
  /** The title as written. */
  text: string;
  /** The name before "reports from", e.g. `Fee-Earnings`, `Fee-Tracking`, `Daily Trends`. */
  label: string;
  /** Null for reports we do not ingest (trends, tracking summaries, bonus earnings, clicks). */
  type: ReportType | null;
  window: ReportWindow;
}

// Other sheets say `Daily Trends from …` or `Tracking ID summary from …`: recognised, so they can be skipped by name.
const TITLE = /^\s*(.+?)\s+(?:reports?\s+|summary\s+)?from\s+(\d{1,2})-(\d{1,2})-(\d{4})\s+to\s+(\d{1,2})-(\d{1,2})-(\d{4})\s*$/i;

const TYPES: Record<string, ReportType> = {
  feeearnings: 'earnings',
  earnings: 'earnings',
  feeorders: 'orders',
  orders: 'orders',
  bounty: 'bounty',
  feebounty: 'bounty',
  bounties: 'bounty',
};

export function parseReportTitle(text: string): ReportTitle | null {
  const m = TITLE.exec(text);
  if (!m) return null;
  const start = isoDate(m[4]!, m[2]!, m[3]!);
  const end = isoDate(m[7]!, m[5]!, m[6]!);
  if (!start || !end || end < start) return null;
  const label = m[1]!.trim();
  return { text: text.trim(), label, type: reportTypeOfLabel(label), window: { start, end } };
}

/** `Fee-Earnings` → earnings; also used for sheet names when a sheet has no title line. */
export function reportTypeOfLabel(label: string): ReportType | null {
  return TYPES[label.toLowerCase().replace(/[^a-z]/g, '')] ?? null;
}

/** A record is a title when its first cell parses as one and nothing else is filled in. */
export function titleOfRecord(cells: readonly string[]): ReportTitle | null {
  const first = cells[0];
  if (first === undefined || cells.some((c, i) => i > 0 && c.trim() !== '')) return null;
  return parseReportTitle(first.replace(/^\uFEFF/, ''));
}

function isoDate(y: string, m: string, d: string): string | null {
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (DAYS[month - 1] ?? 0);
}
