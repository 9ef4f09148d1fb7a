// Reporting periods as typed by people (/earnings 7d), turned into half-open instant ranges in a time zone.
import { UserError } from '../../errors.ts';
import { addDays, isIsoDate, localDate, zonedTime } from '../common/time.ts';

export const PERIOD_WORDS = ['today', 'yesterday', '7d', '30d', 'mtd', 'ytd', 'all'] as const;
export const PERIOD_USAGE = 'today, yesterday, 7d, 30d, mtd, ytd, all, or a range like 2026-01-01..2026-01-31';

export interface Period {
  label: string;
  /** Inclusive start, exclusive end; null means unbounded. */
  from: Date | null;
  to: Date | null;
  timezone: string;
}

export function parsePeriod(raw: string | undefined, tz: string, now = new Date()): Period {
  const v = (raw ?? '30d').trim().toLowerCase();
  const today = localDate(now, tz);
  const range = (fromDate: string, toDateExclusive: string, label: string): Period => ({
    label,
    from: zonedTime(fromDate, tz),
    to: zonedTime(toDateExclusive, tz),
    timezone: tz,
  });
  switch (v) {
    case 'today':
      return range(today, addDays(today, 1), 'Today');
    case 'yesterday':
      return range(addDays(today, -1), today, 'Yesterday');
    case '7d':
      return range(addDays(today, -6), addDays(today, 1), 'Last 7 days');
    case '30d':
      return range(addDays(today, -29), addDays(today, 1), 'Last 30 days');
    case 'mtd':
      return range(`${today.slice(0, 8)}01`, addDays(today, 1), 'Month to date');
    case 'ytd':
      return range(`${today.slice(0, 5)}01-01`, addDays(today, 1), 'Year to date');
    case 'all':
      return { label: 'All time', from: null, to: null, timezone: tz };
  }
  const m = /^(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})$/.exec(v);
  if (m && isIsoDate(m[1]!) && isIsoDate(m[2]!)) {
    if (m[1]! > m[2]!) throw new UserError('invalid_input', 'The range starts after it ends.');
    return range(m[1]!, addDays(m[2]!, 1), `${m[1]} to ${m[2]}`);
  }
  throw new UserError('invalid_input', `"${v.slice(0, 40)}" is not a period. Use ${PERIOD_USAGE}.`);
}
