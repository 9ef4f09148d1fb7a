// Times of day and time zones as managers type them in /digest subscribe.
import { describe, expect, it } from 'vitest';
import { parseTimeOfDay } from '../../src/domain/common/timeOfDay.ts';
import { parseTimeZoneName } from '../../src/domain/common/timeZoneNames.ts';

describe('when a manager types a time of day', () => {
  it.each([
    ['9am', '09:00'],
    ['9 AM', '09:00'],
    ['9:30pm', '21:30'],
    ['9.30 p.m.', '21:30'],
    ['12am', '00:00'],
    ['12pm', '12:00'],
    ['12:15am', '00:15'],
    ['21:30', '21:30'],
    ['21', '21:00'],
    ['09:00', '09:00'],
    ['0:05', '00:05'],
    ['7h45', '07:45'],
  ])('then %s is %s', (typed, hhmm) => {
    expect(parseTimeOfDay(typed)).toBe(hhmm);
  });

  it('then nothing typed is the default, 09:00', () => {
    expect(parseTimeOfDay(undefined)).toBe('09:00');
    expect(parseTimeOfDay('  ')).toBe('09:00');
  });

  it.each(['25:00', '9pm pm', '13pm', '0am', '9:60', '9:5', 'noon', '-1', '24', '9am tomorrow'])('then %s is refused with examples of what works', (typed) => {
    expect(() => parseTimeOfDay(typed)).toThrow(/is not a time of day\. Try 9am, 9:30pm, 21:30 or 21\.$/);
  });

  it('then invisible characters a chat client adds are ignored', () => {
    expect(parseTimeOfDay('\u200B9am\u200E')).toBe('09:00');
  });
});

describe('when a manager types a time zone', () => {
  it.each([
    ['Europe/Berlin', 'Europe/Berlin'],
    ['europe/berlin', 'Europe/Berlin'],
    ['Asia/Kolkata', 'Asia/Kolkata'],
    ['asia/calcutta', 'Asia/Kolkata'],
    ['Berlin', 'Europe/Berlin'],
    ['new york', 'America/New_York'],
    ['New_York', 'America/New_York'],
    ['Kolkata', 'Asia/Kolkata'],
    ['kathmandu', 'Asia/Kathmandu'],
    ['PST', 'America/Los_Angeles'],
    ['est', 'America/New_York'],
    ['JST', 'Asia/Tokyo'],
    ['UTC', 'UTC'],
    ['gmt', 'UTC'],
  ])('then %s is %s', (typed, zone) => {
    expect(parseTimeZoneName(typed, null)).toBe(zone);
  });

  it('then a name padded with invisible characters is echoed clean', () => {
    expect(parseTimeZoneName('\u2066Europe/London\u2069\u00A0', null)).toBe('Europe/London');
    expect(parseTimeZoneName('\uFEFFTokyo\u200B', null)).toBe('Asia/Tokyo');
  });

  it('then nothing typed is the person’s own zone, or UTC', () => {
    expect(parseTimeZoneName(undefined, 'America/Chicago')).toBe('America/Chicago');
    expect(parseTimeZoneName('', 'Asia/Calcutta')).toBe('Asia/Kolkata');
    expect(parseTimeZoneName(undefined, null)).toBe('UTC');
  });

  it('then an abbreviation that names several zones is refused with the choices', () => {
    expect(() => parseTimeZoneName('IST', null)).toThrow('IST names more than one time zone. Say which: Asia/Kolkata, Europe/Dublin, Asia/Jerusalem.');
    expect(() => parseTimeZoneName('cst', null)).toThrow(/CST names more than one time zone/);
  });

  it.each(['Mars/Olympus_Mons', 'Atlantis', 'UTC+5:30', ''.padEnd(300, 'x')])('then %s is refused, naming what works', (typed) => {
    expect(() => parseTimeZoneName(typed, null)).toThrow(/is not a time zone\. Use a city or a name like Europe\/Berlin, America\/New_York or PST\.$/);
  });
});
