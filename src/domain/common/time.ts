// Calendar arithmetic in a named time zone: local dates are YYYY-MM-DD strings, instants are Date. Wall-clock to
// instant goes through Temporal (the platform's when it has one; temporal-polyfill defers to it), so daylight-saving
// gaps and overlaps resolve as Temporal's 'compatible' does: a time the clocks skip moves forward (Santiago's day
// starts at 01:00 on the day it springs forward at midnight), a time they repeat is its first occurrence.
import { Temporal } from 'temporal-polyfill';

/** A local day in a zone: its date and the half-open range of instants [start, end) it covers, epoch ms. */
interface LocalDay {
  date: string;
  start: number;
  end: number;
}

// Both caches only remember Temporal's answers, so they cannot change a result. localDate is called for runs of
// nearby instants (hourly buckets, a digest's days): the day last seen per zone answers most calls without Temporal.
const lastDay = new Map<string, LocalDay>();
/** Per zone, wall times already resolved: periods, digest windows and schedules ask for the same few again and again. */
const resolved = new Map<string, Map<string, number>>();
const RESOLVED_PER_ZONE = 4096;

export function isTimeZone(tz: string): boolean {
  // Named zones only, as before: Temporal also takes offsets such as "+05:30", which no one lives in.
  if (!tz || /^[+\-\u2212]/.test(tz)) return false;
  try {
    new Temporal.ZonedDateTime(0n, tz);
    return true;
  } catch {
    return false;
  }
}

export function localDate(at: Date, tz: string): string {
  const ms = at.getTime();
  const seen = lastDay.get(tz);
  if (seen && ms >= seen.start && ms < seen.end) return seen.date;
  const local = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(tz).toPlainDate();
  // The day runs from its first instant to the next day's (Temporal's start of day, which skips a gap at midnight).
  const day = { date: local.toString(), start: local.toZonedDateTime(tz).epochMilliseconds, end: local.add({ days: 1 }).toZonedDateTime(tz).epochMilliseconds };
  lastDay.set(tz, day);
  return day.date;
}

/** The instant a local wall-clock time (default midnight) happens in the zone. */
export function zonedTime(date: string, tz: string, hh = 0, mm = 0): Date {
  let zone = resolved.get(tz);
  if (!zone) resolved.set(tz, (zone = new Map()));
  const key = `${date} ${hh}:${mm}`;
  let ms = zone.get(key);
  if (ms === undefined) {
    const wall = Temporal.PlainDate.from(date).toPlainDateTime({ hour: hh, minute: mm });
    ms = wall.toZonedDateTime(tz, { disambiguation: 'compatible' }).epochMilliseconds;
    if (zone.size >= RESOLVED_PER_ZONE) zone.clear();
    zone.set(key, ms);
  }
  return new Date(ms);
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export function isIsoDate(v: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const t = Date.parse(`${v}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === v;
}
