// Local days in named time zones across daylight-saving changes: where a day starts, how long it is, and which
// local date an instant falls on. Transition dates are those of 2026 in the IANA database.
import { describe, expect, it } from 'vitest';
import { addDays, isIsoDate, isTimeZone, localDate, zonedTime } from '../../src/domain/common/time.ts';

const HOUR = 3_600_000;
const iso = (d: Date) => d.toISOString();
/** Hours from the start of `date` to the start of the next day, in `tz`. */
const dayLength = (date: string, tz: string) => (zonedTime(addDays(date, 1), tz).getTime() - zonedTime(date, tz).getTime()) / HOUR;

describe('when a day starts at a local midnight that the clocks skip', () => {
  it('then in Santiago the first day of summer time starts at 01:00 local (04:00Z), not an hour before', () => {
    // Chile springs forward at 00:00 → 01:00 on 2026-09-06: the day's first instant is 01:00 -03.
    expect(iso(zonedTime('2026-09-06', 'America/Santiago'))).toBe('2026-09-06T04:00:00.000Z');
    expect(dayLength('2026-09-05', 'America/Santiago')).toBe(24);
    expect(dayLength('2026-09-06', 'America/Santiago')).toBe(23);
    expect(localDate(new Date('2026-09-06T03:59:59.999Z'), 'America/Santiago')).toBe('2026-09-05');
    expect(localDate(new Date('2026-09-06T04:00:00Z'), 'America/Santiago')).toBe('2026-09-06');
  });

  it('then in Havana the first day of summer time starts at 01:00 local (05:00Z), not an hour before', () => {
    // Cuba springs forward at 00:00 → 01:00 on 2026-03-08.
    expect(iso(zonedTime('2026-03-08', 'America/Havana'))).toBe('2026-03-08T05:00:00.000Z');
    expect(dayLength('2026-03-07', 'America/Havana')).toBe(24);
    expect(dayLength('2026-03-08', 'America/Havana')).toBe(23);
    expect(localDate(new Date('2026-03-08T04:59:59Z'), 'America/Havana')).toBe('2026-03-07');
    expect(localDate(new Date('2026-03-08T05:00:00Z'), 'America/Havana')).toBe('2026-03-08');
  });

  it('then a wall time inside the skipped hour moves forward by the length of the gap', () => {
    expect(iso(zonedTime('2026-09-06', 'America/Santiago', 0, 30))).toBe('2026-09-06T04:30:00.000Z'); // 01:30 -03
    expect(iso(zonedTime('2026-03-08', 'America/Havana', 0, 30))).toBe('2026-03-08T05:30:00.000Z'); // 01:30 -04
  });
});

describe('when the clocks go back at local midnight', () => {
  it('then in Havana the day starts at the first of the two midnights and lasts 25 hours', () => {
    // Cuba falls back at 01:00 → 00:00 on 2026-11-01: midnight happens at -04 and again at -05.
    expect(iso(zonedTime('2026-11-01', 'America/Havana'))).toBe('2026-11-01T04:00:00.000Z');
    expect(dayLength('2026-10-31', 'America/Havana')).toBe(24);
    expect(dayLength('2026-11-01', 'America/Havana')).toBe(25);
    expect(localDate(new Date('2026-11-01T03:59:59Z'), 'America/Havana')).toBe('2026-10-31');
    for (const t of ['2026-11-01T04:30:00Z', '2026-11-01T05:30:00Z']) expect(localDate(new Date(t), 'America/Havana')).toBe('2026-11-01');
    expect(iso(zonedTime('2026-11-01', 'America/Havana', 0, 30))).toBe('2026-11-01T04:30:00.000Z'); // the earlier 00:30
  });

  it('then in Santiago the evening hour that repeats resolves to its first occurrence and that day lasts 25 hours', () => {
    // Chile falls back at 24:00 → 23:00 on 2026-04-04; midnight of the 5th happens once.
    expect(iso(zonedTime('2026-04-04', 'America/Santiago'))).toBe('2026-04-04T03:00:00.000Z');
    expect(iso(zonedTime('2026-04-05', 'America/Santiago'))).toBe('2026-04-05T04:00:00.000Z');
    expect(dayLength('2026-04-04', 'America/Santiago')).toBe(25);
    expect(iso(zonedTime('2026-04-04', 'America/Santiago', 23, 30))).toBe('2026-04-05T02:30:00.000Z'); // 23:30 -03
    expect(localDate(new Date('2026-04-05T03:30:00Z'), 'America/Santiago')).toBe('2026-04-04'); // the second 23:30
  });
});

describe('when the clocks change in the small hours (New York, London)', () => {
  it('then midnight is unaffected and the change days last 23 and 25 hours', () => {
    expect(iso(zonedTime('2026-03-08', 'America/New_York'))).toBe('2026-03-08T05:00:00.000Z');
    expect(iso(zonedTime('2026-03-09', 'America/New_York'))).toBe('2026-03-09T04:00:00.000Z');
    expect(dayLength('2026-03-08', 'America/New_York')).toBe(23);
    expect(dayLength('2026-11-01', 'America/New_York')).toBe(25);
    expect(iso(zonedTime('2026-03-29', 'Europe/London'))).toBe('2026-03-29T00:00:00.000Z');
    expect(iso(zonedTime('2026-03-30', 'Europe/London'))).toBe('2026-03-29T23:00:00.000Z');
    expect(dayLength('2026-03-29', 'Europe/London')).toBe(23);
    expect(dayLength('2026-10-25', 'Europe/London')).toBe(25);
  });

  it('then a wall time in the skipped hour moves forward, and one in the repeated hour is its first occurrence', () => {
    expect(iso(zonedTime('2026-03-08', 'America/New_York', 2, 30))).toBe('2026-03-08T07:30:00.000Z'); // 03:30 EDT
    expect(iso(zonedTime('2026-11-01', 'America/New_York', 1, 30))).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT
    expect(iso(zonedTime('2026-03-29', 'Europe/London', 1, 30))).toBe('2026-03-29T01:30:00.000Z'); // 02:30 BST
    expect(iso(zonedTime('2026-10-25', 'Europe/London', 1, 30))).toBe('2026-10-25T00:30:00.000Z'); // 01:30 BST
  });

  it('then instants just either side of local midnight fall on the right local date', () => {
    expect(localDate(new Date('2026-11-01T03:59:59Z'), 'America/New_York')).toBe('2026-10-31');
    expect(localDate(new Date('2026-11-01T04:00:00Z'), 'America/New_York')).toBe('2026-11-01');
    expect(localDate(new Date('2026-11-02T04:59:59Z'), 'America/New_York')).toBe('2026-11-01');
    expect(localDate(new Date('2026-11-02T05:00:00Z'), 'America/New_York')).toBe('2026-11-02');
    expect(localDate(new Date('2026-03-29T23:59:59Z'), 'Europe/London')).toBe('2026-03-30');
    expect(localDate(new Date('2026-10-25T23:59:59Z'), 'Europe/London')).toBe('2026-10-25');
  });
});

describe('when the zone is a fraction of an hour from UTC and keeps no summer time (Kolkata, Kathmandu)', () => {
  it('then days start at 18:30Z and 18:15Z the evening before and all last 24 hours', () => {
    expect(iso(zonedTime('2026-03-08', 'Asia/Kolkata'))).toBe('2026-03-07T18:30:00.000Z');
    expect(iso(zonedTime('2026-03-08', 'Asia/Kathmandu'))).toBe('2026-03-07T18:15:00.000Z');
    expect(iso(zonedTime('2026-03-08', 'Asia/Kathmandu', 9, 5))).toBe('2026-03-08T03:20:00.000Z');
    expect(localDate(new Date('2026-03-07T18:29:59Z'), 'Asia/Kolkata')).toBe('2026-03-07');
    expect(localDate(new Date('2026-03-07T18:30:00Z'), 'Asia/Kolkata')).toBe('2026-03-08');
    expect(localDate(new Date('2026-03-07T18:14:59Z'), 'Asia/Kathmandu')).toBe('2026-03-07');
    expect(localDate(new Date('2026-03-07T18:15:00Z'), 'Asia/Kathmandu')).toBe('2026-03-08');
    expect(dayLength('2026-03-08', 'Asia/Kolkata')).toBe(24);
    expect(dayLength('2026-11-01', 'Asia/Kathmandu')).toBe(24);
  });
});

describe('when every day of a year is laid end to end in a zone', () => {
  it.each(['America/New_York', 'Europe/London', 'America/Santiago', 'America/Havana', 'Asia/Kolkata', 'Asia/Kathmandu', 'UTC'])(
    'then in %s each day starts on its own date and the days cover the year without gap or overlap',
    (tz) => {
      const lengths: number[] = [];
      for (let d = '2026-01-01'; d < '2027-01-01'; d = addDays(d, 1)) {
        const start = zonedTime(d, tz);
        expect(localDate(start, tz)).toBe(d);
        expect(localDate(new Date(start.getTime() - 1), tz)).toBe(addDays(d, -1));
        lengths.push(dayLength(d, tz));
      }
      expect(lengths.reduce((a, b) => a + b, 0)).toBe(365 * 24);
      expect(lengths.every((h) => h === 23 || h === 24 || h === 25)).toBe(true);
    },
  );
});

describe('when dates and zone names are checked', () => {
  it('then real zones pass, made-up ones do not, and calendar dates are strict', () => {
    expect(isTimeZone('America/Santiago')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('')).toBe(false);
    expect(isIsoDate('2028-02-29')).toBe(true);
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2026-2-01')).toBe(false);
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
});
