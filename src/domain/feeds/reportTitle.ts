// Line 1 of an Amazon report names it and its window: `Fee-Earnings reports from 03-07-2021 to 04-05-2021`.
//
// Dates in the title: the US and Canadian workbooks write MM-DD-YYYY (their windows, `03-14-2021 to 04-12-2021`,
// only read that way). A public parser of amazon.it downloads shows the Italian title still in English
// (`Fee-Orders reports from …`), with the author reading its dates day first, which is not certain either way.
// So a title whose dates read both ways keeps both readings: the documented one as `window`, the other as
// `alternative`, and the probe picks by the report's own row dates (reportProbe.ts). A reading that is not a
// calendar date, or ends before it starts, is dropped, and then the title is not ambiguous.
//
// Translated titles (`… vom 01.03.2021 bis 31.03.2021`, `… du 01/03/2021 au 31/03/2021`) are INFERRED, not seen in
// a real download: the connecting words of the store languages are accepted, dotted dates are day first (no locale
// writes month.day), year-first dates are year-month-day, and dashed or slashed dates in a translated title prefer
// day first. An unknown (e.g. translated) report name gives type null; the probe then types the report by its header.
import type { ReportType, ReportWindow } from './types.ts';

export interface ReportTitle {
  /** The title as written. */
  text: string;
  /** The name before "reports from", e.g. `Fee-Earnings`, `Fee-Tracking`, `Daily Trends`. */
  label: string;
  /** Null for reports we do not ingest (trends, tracking summaries, bonus earnings, clicks) and unknown names. */
  type: ReportType | null;
  /** True for the names of Amazon's reports we know and do not ingest: never typed by their header instead. */
  skipped: boolean;
  window: ReportWindow;
  /** The other reading of dates that are valid both month first and day first (`03-01-2024`), else null. */
  alternative: ReportWindow | null;
}

const DATE = String.raw`(\d{1,4})([-./])(\d{1,2})[-./](\d{1,4})`;
// English, then (inferred) German, French, Italian, Spanish, Portuguese, Dutch, Swedish, Polish connecting words.
const FROM = String.raw`(from|vom|von|du|dal|del|desde|de|van|från|od)`;
const TO = String.raw`(?:to|bis|au|al|a|hasta|até|tot|till|t\.o\.m\.|do)`;
// Other sheets say `Daily Trends from …` or `Tracking ID summary from …`: recognised, so they can be skipped by name.
const TITLE = new RegExp(String.raw`^\s*(.+?)\s+(?:reports?\s+|summary\s+)?${FROM}\s+${DATE}\s+${TO}\s+${DATE}\s*$`, 'iu');

const TYPES: Record<string, ReportType> = {
  feeearnings: 'earnings',
  earnings: 'earnings',
  feeorders: 'orders',
  orders: 'orders',
  bounty: 'bounty',
  feebounty: 'bounty',
  bounties: 'bounty',
};

/** Amazon's other report names (the fixtures' sheets), normalised like TYPES' keys. */
const SKIPPED = new Set([
  'dailytrends',
  'feedailytrends',
  'trackingid',
  'trackingidsummary',
  'feetracking',
  'tracking',
  'feebonusearnings',
  'bonusearnings',
  'feeorderswithclicks',
  'orderswithclicks',
  'feelinktype',
  'linktype',
]);

type Order = 'mdy' | 'dmy' | 'ymd';

/** Amazon's titles run to about 60 characters; longer text is not one (and is kept away from the pattern below). */
const MAX_TITLE_CHARS = 300;

export function parseReportTitle(text: string): ReportTitle | null {
  if (text.length > MAX_TITLE_CHARS) return null;
  const m = TITLE.exec(text);
  if (!m) return null;
  const english = m[2]!.toLowerCase() === 'from';
  const a = [m[3]!, m[4]!, m[5]!, m[6]!] as const;
  const b = [m[7]!, m[8]!, m[9]!, m[10]!] as const;
  const readings: Order[] = [];
  if (a[0].length === 4 && b[0].length === 4) readings.push('ymd');
  else if (a[3].length === 4 && b[3].length === 4) {
    if (a[1] === '.' && b[1] === '.') readings.push('dmy');
    else readings.push(...((english ? ['mdy', 'dmy'] : ['dmy', 'mdy']) as Order[]));
  }
  const windows: ReportWindow[] = [];
  for (const order of readings) {
    const start = dateIn(a, order);
    const end = dateIn(b, order);
    if (start && end && end >= start && !windows.some((w) => w.start === start && w.end === end)) windows.push({ start, end });
  }
  if (!windows.length) return null;
  const label = m[1]!.trim();
  const key = normalisedLabel(label);
  return {
    text: text.trim(),
    label,
    type: TYPES[key] ?? null,
    skipped: SKIPPED.has(key),
    window: windows[0]!,
    alternative: windows[1] ?? null,
  };
}

/** `Fee-Earnings` → earnings; also used for sheet names when a sheet has no title line. */
export function reportTypeOfLabel(label: string): ReportType | null {
  return TYPES[normalisedLabel(label)] ?? null;
}

function normalisedLabel(label: string): string {
  return label.toLowerCase().replace(/[^a-z]/g, '');
}

/** A record is a title when its first cell parses as one and nothing else is filled in. */
export function titleOfRecord(cells: readonly string[]): ReportTitle | null {
  const first = cells[0];
  if (first === undefined || cells.some((c, i) => i > 0 && c.trim() !== '')) return null;
  return parseReportTitle(first.replace(/^\uFEFF/, ''));
}

function dateIn(parts: readonly [string, string, string, string], order: Order): string | null {
  const [p1, , p2, p3] = parts;
  if (order === 'ymd') return isoDate(p1, p2, p3);
  if (order === 'mdy') return isoDate(p3, p1, p2);
  return isoDate(p3, p2, p1);
}

function isoDate(y: string, m: string, d: string): string | null {
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  if (y.length !== 4 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (DAYS[month - 1] ?? 0);
}
