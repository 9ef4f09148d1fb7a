// `1,234` is one thousand two hundred and thirty-four in a US report and 1.234 in a German one: the decimal mark is
// decided once per report (from its figures, else its store), and a figure that would read differently under the
// other decision is never read silently.
import { describe, expect, it } from 'vitest';
import { Invalid, decimalMarkOf, parseMoney, parseReportDate } from '../../src/domain/feeds/cellValues.ts';

describe('when one money cell is read under a decided mark', () => {
  it('then decimal commas read with points as thousands separators, to the cent', () => {
    expect(parseMoney('12,34', 'EUR', ',')).toBe(1234);
    expect(parseMoney('1.234,56', 'EUR', ',')).toBe(123456);
    expect(parseMoney('1.234.567,8', 'EUR', ',')).toBe(123456780);
    expect(parseMoney('-0,07', 'EUR', ',')).toBe(-7);
    expect(parseMoney('1.234', 'EUR', ',')).toBe(123400);
    expect(parseMoney('24,630000000000003', 'EUR', ',')).toBe(2463);
    expect(parseMoney('12', 'PLN', ',')).toBe(1200);
  });

  it('then three digits after the decimal mark are refused in either convention, never read as a thousand or rounded', () => {
    expect(parseMoney('1,234', 'EUR', ',')).toEqual(new Invalid('is ambiguous: three digits after the decimal comma read like a thousands group (EUR has 2)'));
    expect(parseMoney('1.234', 'USD', '.')).toEqual(new Invalid('is ambiguous: three digits after the decimal point read like a thousands group (USD has 2)'));
    expect(parseMoney('1.234', 'JPY', '.')).toEqual(new Invalid('is ambiguous: three digits after the decimal point read like a thousands group (JPY has no decimals)'));
    // The thousands separator of the report's own convention is fine.
    expect(parseMoney('1,234', 'USD', '.')).toBe(123400);
    expect(parseMoney('1,234', 'JPY', '.')).toBe(1234);
  });

  it('then the other convention\'s decimals are refused with the reason', () => {
    expect(parseMoney('12.34', 'EUR', ',')).toEqual(new Invalid('has a decimal point, but this report writes decimal commas'));
    expect(parseMoney('1,234.56', 'EUR', ',')).toEqual(new Invalid('has a decimal point, but this report writes decimal commas'));
    expect(parseMoney('12,34', 'USD', '.')).toEqual(new Invalid('is not a number'));
    expect(parseMoney('12,34 €', 'EUR', ',')).toEqual(new Invalid('is not a number'));
  });

  it('then a cell tells the mark only when just one reading is valid', () => {
    const told = (t: string) => decimalMarkOf(t);
    expect(['12.34', '0.5', '1,234.56', '1,234,567', '24.630000000000003', '1.5E-2'].map(told)).toEqual(['.', '.', '.', '.', '.', '.']);
    expect(['12,34', '0,5', '1.234,56', '1.234.567', '-0,07'].map(told)).toEqual([',', ',', ',', ',', ',']);
    expect(['12', '-3', '1,234', '1.234', '', 'n/a', '1.234,567.8'].map(told)).toEqual([null, null, null, null, null, null, null]);
  });

  it('then dotted dates read day first, and only as calendar dates', () => {
    const now = Date.UTC(2021, 5, 1);
    expect(parseReportDate('25.03.2021 14:00:00', now)).toBe('2021-03-25T14:00:00');
    expect(parseReportDate('5.3.2021 9:05', now)).toBe('2021-03-05T09:05:00');
    expect(parseReportDate('25.03.2021', now)).toBe('2021-03-25');
    expect(parseReportDate('03.25.2021', now)).toEqual(new Invalid('is not a calendar date'));
    expect(parseReportDate('29.02.2021', now)).toEqual(new Invalid('is not a calendar date'));
    expect(parseReportDate('03/25/2021', now)).toEqual(new Invalid('is not a date (expected YYYY-MM-DD HH:MM:SS)'));
  });
});
