// Turning one cell's text into a typed value, exactly: numbers stay decimal strings until parseMinor, because the
// workbooks store floats (`24.630000000000003`) that must round from the digits written, not through a double.
import { parseMinor } from '../money.ts';
import { daysInMonth } from './reportTitle.ts';

/** Why a cell did not parse. Parsers return `T | Invalid` so the common, valid case allocates nothing. */
export class Invalid {
  constructor(readonly message: string) {}
}
const fail = (message: string) => new Invalid(message);

export const MAX_QUANTITY = 100_000;
export const NAME_MAX = 150;
/** Amazon Associates started in 1996; an earlier date is a broken cell. */
const EARLIEST = Date.UTC(1996, 0, 1);
const DAY_MS = 86_400_000;

const DECIMAL = /^[+-]?\d+(?:\.\d+)?$/;
const SCIENTIFIC = /^([+-]?)(\d+)(?:\.(\d+))?[eE]([+-]?\d+)$/;

/** `1.5E-2` → `0.015` by moving the point in the string; other text is returned trimmed, untouched. */
export function plainDecimal(text: string): string {
  const t = text.trim();
  const m = SCIENTIFIC.exec(t);
  if (!m) return t;
  const [, sign, int, frac = '', expText] = m;
  const exp = Number(expText);
  if (Math.abs(exp) > 400) return t; // not a report figure; let the caller reject it
  const digits = int! + frac;
  const point = int!.length + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  out = out.replace(/^0+(?=\d)/, '');
  return sign === '-' ? `-${out}` : out;
}

/** Formula-looking text: spreadsheets would run it, we only ever keep it as text. */
export function looksLikeFormula(text: string): boolean {
  return /^\s*[=@]/.test(text) || /^\s*[+-]\s*[^\d.\s]/.test(text);
}

function notANumber(text: string): string {
  if (text.trim() === '') return 'is empty';
  return looksLikeFormula(text) ? 'looks like a formula, not a number' : 'is not a number';
}

/** `1,234.56`: thousands separators, as some exports write money (parseMinor drops the commas). */
const GROUPED = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;
const SHORT_MONEY = /^(-?)(\d{1,12})(?:\.(\d{1,2}))?$/;

export function parseMoney(text: string, currency: string): number | Invalid {
  // Fast path for the usual `12.34` in a two-digit currency: exact in doubles (< 2^53), no BigInt, same result.
  const short = currency !== 'JPY' ? SHORT_MONEY.exec(text) : null;
  if (short) {
    const frac = short[3] ?? '';
    const minor = Number(short[2]) * 100 + (frac.length === 2 ? Number(frac) : frac.length === 1 ? Number(frac) * 10 : 0);
    return short[1] && minor ? -minor : minor; // no -0
  }
  const dec = plainDecimal(text);
  if (!DECIMAL.test(dec) && !GROUPED.test(dec)) return fail(notANumber(text));
  try {
    return parseMinor(dec, currency);
  } catch {
    return fail('is out of range');
  }
}

/** A whole count in 0..MAX_QUANTITY; `2.0` is 2, float noise like `0.9999999999999999` rounds, `1.5` does not. */
const SMALL_COUNT = /^(\d{1,5})(?:\.0+)?$/;

export function parseCount(text: string): number | Invalid {
  const small = SMALL_COUNT.exec(text);
  if (small) return Number(small[1]); // the usual `1` / `1.0`: under the limit by construction
  const dec = plainDecimal(text);
  if (!DECIMAL.test(dec)) return fail(notANumber(text));
  const m = /^([+-]?)(\d+)(?:\.(\d+))?$/.exec(dec)!;
  const frac = m[3] ?? '';
  let whole = Number(m[2]);
  if (/[^0]/.test(frac)) {
    // Doubles print ~17 significant digits; a fraction that is all 0s or 9s after a run is noise, not a fraction.
    if (frac.length >= 12 && /^0{9}/.test(frac)) {
      /* noise above a whole number */
    } else if (frac.length >= 12 && /^9{9}/.test(frac)) whole += 1;
    else return fail('is not a whole number');
  }
  if (m[1] === '-' && whole !== 0) return fail('cannot be negative');
  if (whole > MAX_QUANTITY) return fail(`is implausibly large (over ${MAX_QUANTITY})`);
  return whole;
}

// Fractional seconds and a trailing Z (an XLSX `t="d"` cell) are accepted and dropped: report times are whole seconds.
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?Z?)?$/;
const SERIAL = /^\d+(?:\.\d+)?$/;

/**
 * Report dates are `YYYY-MM-DD HH:MM:SS` (store time) or `YYYY-MM-DD`; a sheet may instead hold an Excel serial
 * day number. Returns `YYYY-MM-DDTHH:MM:SS` or `YYYY-MM-DD`, refusing dates before 1996 or over a day ahead of now.
 */
export function parseReportDate(text: string, now: number, date1904 = false): string | Invalid {
  const t = text.trim();
  if (t === '') return fail('is empty');
  let iso: string;
  let ms: number;
  const m = DATE.exec(t);
  if (m) {
    // Indexed access, not destructuring: this runs once per row.
    const year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    const hasTime = m[4] !== undefined;
    const hour = hasTime ? Number(m[4]) : 0;
    const minute = hasTime ? Number(m[5]) : 0;
    const second = m[6] === undefined ? 0 : Number(m[6]);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
      return fail('is not a calendar date');
    }
    ms = Date.UTC(year, month - 1, day, hour, minute, second);
    if (!hasTime) iso = t.slice(0, 10);
    else if (t.length === 19) iso = `${t.slice(0, 10)}T${t.slice(11)}`;
    else iso = `${t.slice(0, 10)}T${m[4]}:${m[5]}:${m[6] ?? '00'}`;
  } else if (SERIAL.test(plainDecimal(t))) {
    const serial = Number(plainDecimal(t));
    // Serial 0 is 1899-12-30 in the 1900 system (which counts a phantom 1900-02-29), 1904-01-01 in the 1904 one.
    const epoch = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30);
    const days = Math.floor(serial);
    const seconds = Math.round((serial - days) * 86_400);
    ms = epoch + days * DAY_MS + seconds * 1000;
    if (!Number.isFinite(ms) || ms > 8.64e15) return fail('is not a date');
    const full = new Date(ms).toISOString().slice(0, 19);
    iso = seconds === 0 ? full.slice(0, 10) : full;
  } else {
    return fail(looksLikeFormula(t) ? 'looks like a formula, not a date' : 'is not a date (expected YYYY-MM-DD HH:MM:SS)');
  }
  if (ms < EARLIEST) return fail('is before 1996');
  if (ms > now + DAY_MS) return fail('is in the future');
  return iso;
}

/** Trimmed text, cut at `max` code points (never mid surrogate pair). Formula-looking text is kept as written. */
export function cleanText(text: string, max = Infinity): string {
  const t = text.trim();
  if (t.length <= max) return t;
  let out = '';
  let n = 0;
  for (const ch of t) {
    if (n++ === max) break;
    out += ch;
  }
  return out;
}

const ASIN = /^[A-Z0-9]{10}$/;

export function parseAsin(text: string): string | Invalid {
  const t = text.trim().toUpperCase();
  return ASIN.test(t) ? t : fail(t === '' ? 'is empty' : 'is not an ASIN (10 letters or digits)');
}

export function parseTrackingId(text: string): string | Invalid {
  const t = text.trim();
  if (t === '') return fail('is empty');
  if (t.length > 128 || /\s/.test(t)) return fail('is not a tracking ID');
  return t;
}

/**
 * `ndi` = an item other than the one linked (indirect), `di` = the linked item. Other stores' values are not
 * guessed at: null.
 */
export function parseIndirect(text: string): boolean | null {
  const t = text.trim().toLowerCase();
  return t === 'ndi' ? true : t === 'di' ? false : null;
}
