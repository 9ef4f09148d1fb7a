// Cell text → values, exactly: decimal strings, never floats, and dates in both of Excel's forms.
import { describe, expect, it } from 'vitest';
import { Invalid, parseCount, parseMoney, parseReportDate, plainDecimal } from '../../src/domain/feeds/cellValues.ts';
import { parseMinor } from '../../src/domain/common/money.ts';

const NOW = Date.UTC(2021, 5, 1);

describe('when a number is written in scientific notation', () => {
  it('then the point moves in the string, with no float arithmetic', () => {
    expect(plainDecimal('1.5E-2')).toBe('0.015');
    expect(plainDecimal('-2.4630000000000003E1')).toBe('-24.630000000000003');
    expect(plainDecimal('1E3')).toBe('1000');
    expect(plainDecimal('12.34e+1')).toBe('123.4');
    expect(plainDecimal(' 8.36 ')).toBe('8.36');
    expect(parseMoney('1.2345E2', 'USD')).toBe(12345);
  });
});

describe('when money text is parsed', () => {
  it('then float noise rounds from the written digits', () => {
    expect(parseMoney('24.630000000000003', 'USD')).toBe(2463);
    expect(parseMoney('20.549999999999997', 'USD')).toBe(2055);
    expect(parseMoney('12.349999999', 'USD')).toBe(1235);
    expect(parseMoney('-0.07', 'USD')).toBe(-7);
    expect(Object.is(parseMoney('-0.00', 'USD'), 0)).toBe(true);
    expect(parseMoney('1500', 'JPY')).toBe(1500);
    expect(parseMoney('1,234.5', 'USD')).toBe(123450);
  });

  it('then the fast path agrees with parseMinor on every shape it takes', () => {
    const samples: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const int = String(Math.floor(Math.random() * 10 ** (1 + (i % 12))));
      const frac = ['', `.${i % 10}`, `.${String(i % 100).padStart(2, '0')}`][i % 3];
      samples.push(`${i % 2 ? '-' : ''}${int}${frac}`);
    }
    samples.push('999999999999.99', '0.5', '0', '-0.01', '-0', '-0.0', '-0.00');
    // The same amount, except that a negative zero is plain zero (parseMinor keeps JavaScript's -0; a ledger has none).
    for (const s of samples) expect(parseMoney(s, 'USD'), s).toBe(parseMinor(s, 'USD') || 0);
  });

  it('then text, formulas and huge values are refused with a reason', () => {
    expect(parseMoney('abc', 'USD')).toEqual(new Invalid('is not a number'));
    expect(parseMoney('=SUM(A1:A9)', 'USD')).toEqual(new Invalid('looks like a formula, not a number'));
    expect(parseMoney('1e400', 'USD')).toEqual(new Invalid('is out of range'));
    expect(parseMoney('12,34', 'USD')).toEqual(new Invalid('is not a number'));
    expect(parseMoney('99999999999999999999', 'USD')).toEqual(new Invalid('is out of range'));
  });
});

describe('when a count is parsed', () => {
  it('then whole floats count, float noise rounds, fractions and negatives do not', () => {
    expect(parseCount('2.0')).toBe(2);
    expect(parseCount('0.0')).toBe(0);
    expect(parseCount('-0.0')).toBe(0);
    expect(parseCount('2.9999999999999996')).toBe(3);
    expect(parseCount('3.0000000000000004')).toBe(3);
    expect(parseCount('2.5')).toEqual(new Invalid('is not a whole number'));
    expect(parseCount('-3')).toEqual(new Invalid('cannot be negative'));
    expect(parseCount('1e6')).toEqual(new Invalid('is implausibly large (over 100000)'));
  });
});

describe('when a date cell is parsed', () => {
  it('then report text dates come out as ISO store time', () => {
    expect(parseReportDate('2021-04-05 23:50:00', NOW)).toBe('2021-04-05T23:50:00');
    expect(parseReportDate('2021-04-05', NOW)).toBe('2021-04-05');
    expect(parseReportDate('2020-02-29 00:00', NOW)).toBe('2020-02-29T00:00:00');
    expect(parseReportDate('2021-04-05T23:50:00.000Z', NOW)).toBe('2021-04-05T23:50:00');
    expect(parseReportDate('2021-02-29', NOW)).toEqual(new Invalid('is not a calendar date'));
    expect(parseReportDate('2021-04-05 24:00:00', NOW)).toEqual(new Invalid('is not a calendar date'));
  });

  it('then Excel serial numbers are read in the 1900 and 1904 systems', () => {
    expect(parseReportDate('44291', NOW)).toBe('2021-04-05');
    expect(parseReportDate('44291.993055555555', NOW)).toBe('2021-04-05T23:50:00');
    expect(parseReportDate('42829', NOW, true)).toBe('2021-04-05');
    expect(parseReportDate('35000', NOW)).toEqual(new Invalid('is before 1996'));
  });
});
