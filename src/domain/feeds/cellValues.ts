// Turning one cell's text into a typed value, exactly: numbers stay decimal strings until parseMinor, because the
// workbooks store floats (`24.630000000000003`) that must round from the digits written, not through a double.
import { currencyDigits } from '../amazon/marketplaces.ts';
import { parseMinor } from '../common/money.ts';
import { daysInMonth } from './reportTitle.ts';
import type { DecimalMark } from './types.ts';

export type { DecimalMark };

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
/** The comma convention's mirror images: `1.234,56` and the usual `12,34`. */
const GROUPED_COMMA = /^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$/;
const DECIMAL_COMMA = /^[+-]?\d+(?:,\d+)?$/;
const SHORT_MONEY_COMMA = /^(-?)(\d{1,12})(?:,(\d{1,2}))?$/;
/** Exactly three digits after the last separator: a thousands group in one convention, a fraction in the other. */
const THREE_AFTER = /^[+-]?[\d.,]*[.,]\d{3}$/;
/** `1.234` / `1,234`: one group of three, valid both ways. */
const THREE_AFTER_ONE_GROUP = /^[+-]?\d{1,3}[.,]\d{3}$/;
const SHORT_INT = /^[+-]?\d+$/;

/**
 * What one money cell says about its report's decimal mark: `.` or `,` when only that reading of it is valid,
 * null when both are (`12`, `1,234`, `1.234`) or neither (text). `12.34`, `0.5`, `1,234.56`, `1.234.567` and float
 * noise such as `24.630000000000003` only read with `.`; their mirror images only with `,`.
 */
export function decimalMarkOf(text: string): DecimalMark | null {
  const t = text.trim();
  if (t === '' || SHORT_INT.test(t)) return null;
  if (SCIENTIFIC.test(t)) return '.';
  const dot = t.lastIndexOf('.');
  const comma = t.lastIndexOf(',');
  if (dot > comma) {
    if (comma !== -1) return GROUPED.test(t) ? '.' : null;
    if (/^[+-]?\d+\.(?:\d{1,2}|\d{4,})$/.test(t)) return '.';
    return GROUPED_COMMA.test(t) && !THREE_AFTER_ONE_GROUP.test(t) ? ',' : null;
  }
  if (dot !== -1) return GROUPED_COMMA.test(t) ? ',' : null;
  if (/^[+-]?\d+,(?:\d{1,2}|\d{4,})$/.test(t)) return ',';
  return GROUPED.test(t) && !THREE_AFTER_ONE_GROUP.test(t) ? '.' : null;
}
export function parseMoney(text: string, currency: string, mark: DecimalMark = '.'): number | Invalid {
  // Fast path for the usual `12.34` (`12,34`) in a two-digit currency: exact in doubles (< 2^53), no BigInt, same result.
  const short = currency === 'JPY' ? null : mark === '.' ? SHORT_MONEY.exec(text) : SHORT_MONEY_COMMA.exec(text);
  if (short) {
    const frac = short[3] ?? '';
    const minor = Number(short[2]) * 100 + (frac.length === 2 ? Number(frac) : frac.length === 1 ? Number(frac) * 10 : 0);
    return short[1] && minor ? -minor : minor; // no -0
  }
  let dec: string;
  if (mark === '.') {
    dec = plainDecimal(text);
    if (!DECIMAL.test(dec) && !GROUPED.test(dec)) return fail(notANumber(text));
  } else {
    const t = text.trim();
    if (DECIMAL_COMMA.test(t) || GROUPED_COMMA.test(t)) dec = t.replace(/\./g, '').replace(',', '.');
    else return fail(decimalMarkOf(t) === '.' ? 'has a decimal point, but this report writes decimal commas' : notANumber(text));
  }
  // `1,234` with decimal commas is 1.234, `1.234` with decimal points likewise: a third decimal that a report in a
  // two- (or zero-) decimal currency never writes, and one misplaced separator away from 1234. Refused, not guessed.
  const digits = currencyDigits(currency);
  if (digits < 3 && THREE_AFTER.test(text.trim()) && lastMark(text) === mark) {
    const has = digits === 0 ? `${currency} has no decimals` : `${currency} has ${digits}`;
    return fail(`is ambiguous: three digits after the decimal ${mark === '.' ? 'point' : 'comma'} read like a thousands group (${has})`);
  }
  try {
    return parseMinor(dec, currency) || 0; // no -0
  } catch {
    return fail('is out of range');
  }
}

function lastMark(text: string): DecimalMark {
  return text.lastIndexOf('.') > text.lastIndexOf(',') ? '.' : ',';
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
/** `25.03.2021`, `25.03.2021 14:00:00`, `5.3.2021 14:00`. */
const DOTTED = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * The UTC milliseconds of a calendar date and the optional time in groups 4–6 of `m` (hour, minute, second), or
 * null when it is not on the calendar (month 13, 31 April, 24:00). Both date layouts put the time there.
 */
function calendarMs(year: number, month: number, day: number, m: RegExpExecArray): number | null {
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return null;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/**
 * Report dates are `YYYY-MM-DD HH:MM:SS` (store time) or `YYYY-MM-DD`; a sheet may instead hold an Excel serial
 * day number. Returns `YYYY-MM-DDTHH:MM:SS` or `YYYY-MM-DD`, refusing dates before 1996 or over a day ahead of now.
 */
export function parseReportDate(text: string, now: number, date1904 = false): string | Invalid {
  const t = text.trim();
  if (t === '') return fail('is empty');
  let iso: string;
  let ms: number;
  let m = DATE.exec(t);
  if (m) {
    // Indexed access, not destructuring: this runs once per row.
    const hasTime = m[4] !== undefined;
    const at = calendarMs(Number(m[1]), Number(m[2]), Number(m[3]), m);
    if (at === null) return fail('is not a calendar date');
    ms = at;
    if (!hasTime) iso = t.slice(0, 10);
    else if (t.length === 19) iso = `${t.slice(0, 10)}T${t.slice(11)}`;
    else iso = `${t.slice(0, 10)}T${m[4]}:${m[5]}:${m[6] ?? '00'}`;
  } else if ((m = DOTTED.exec(t))) {
    // Day first, always: no locale writes month.day.year. Inferred for Associates reports (the ones seen write ISO
    // dates); Amazon's German seller reports document `17.05.2011`, and a German spreadsheet re-save writes this.
    const hasTime = m[4] !== undefined;
    const at = calendarMs(Number(m[3]), Number(m[2]), Number(m[1]), m);
    if (at === null) return fail('is not a calendar date');
    ms = at;
    const date = `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
    iso = hasTime ? `${date}T${m[4]!.padStart(2, '0')}:${m[5]}:${m[6] ?? '00'}` : date;
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

// HTML entities in report text. Amazon escapes product names and categories for HTML before writing them into its
// downloads: the CSVs say `Health &amp; Personal Care`, `Ben &amp; Jerry&#39;s`, and the real XLSX workbooks
// (test/fixtures/amazon) carry the same text XML-escaped once more (`Health &amp;amp; Personal Care Appliances`).
// Decoded once, in text columns only (category, name, seller, link type, device type): never in money, dates,
// counts, ASINs or tracking IDs, and never twice (`&amp;lt;` is `&lt;`, not `<`).

/** HTML 4's Latin-1 names, U+00A0 … U+00FF in order. */
const LATIN1 =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest ' +
  'Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig ' +
  'agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml';

const HTML_ENTITIES: ReadonlyMap<string, string> = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
  ...LATIN1.split(' ').map((name, i): [string, string] => [name, String.fromCharCode(0xa0 + i)]),
  // The punctuation and symbols product titles use.
  ...Object.entries({
    OElig: 0x152,
    oelig: 0x153,
    Scaron: 0x160,
    scaron: 0x161,
    Yuml: 0x178,
    circ: 0x2c6,
    tilde: 0x2dc,
    ensp: 0x2002,
    emsp: 0x2003,
    thinsp: 0x2009,
    ndash: 0x2013,
    mdash: 0x2014,
    lsquo: 0x2018,
    rsquo: 0x2019,
    sbquo: 0x201a,
    ldquo: 0x201c,
    rdquo: 0x201d,
    bdquo: 0x201e,
    dagger: 0x2020,
    Dagger: 0x2021,
    bull: 0x2022,
    hellip: 0x2026,
    permil: 0x2030,
    prime: 0x2032,
    Prime: 0x2033,
    lsaquo: 0x2039,
    rsaquo: 0x203a,
    euro: 0x20ac,
    trade: 0x2122,
    larr: 0x2190,
    rarr: 0x2192,
    minus: 0x2212,
    infin: 0x221e,
  }).map(([name, code]): [string, string] => [name, String.fromCharCode(code)]),
]);

const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{1,7}));/g;

/** `Health &amp; Personal Care` → `Health & Personal Care`; unknown names and invalid code points stay as written. */
export function decodeHtmlEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (whole, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (name !== undefined) return HTML_ENTITIES.get(name) ?? whole;
    const code = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
    // NUL, lone surrogates and values past Unicode are not characters: left alone.
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return whole;
    return String.fromCodePoint(code);
  });
}
