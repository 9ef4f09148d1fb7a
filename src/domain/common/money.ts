// Money is integer minor units plus an ISO currency; only formatting ever divides.
import { currencyDigits } from '../amazon/marketplaces.ts';

const formatters = new Map<string, Intl.NumberFormat>();

export function formatMoney(minor: number, currency: string, locale = 'en-US'): string {
  const key = `${locale}|${currency}`;
  let f = formatters.get(key);
  if (!f) {
    const digits = currencyDigits(currency);
    f = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits });
    formatters.set(key, f);
  }
  // Split into whole and fractional parts with integer arithmetic; format via a decimal string to avoid float drift.
  const digits = currencyDigits(currency);
  const scale = 10 ** digits;
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const decimal = `${sign}${Math.trunc(abs / scale)}${digits ? '.' + String(abs % scale).padStart(digits, '0') : ''}`;
  return f.format(decimal as unknown as number);
}

/** Parses a decimal string ("12.5", "-0.07", "1,234.56") into minor units exactly, without floats. */
export function parseMinor(value: string, currency: string): number {
  const digits = currencyDigits(currency);
  const v = value.trim().replace(/,/g, '');
  const m = /^([+-])?(\d+)(?:\.(\d+))?$/.exec(v);
  if (!m) throw new RangeError(`"${value}" is not a decimal amount`);
  const frac = (m[3] ?? '').padEnd(digits, '0');
  // Round half away from zero on extra digits (reports carry at most the currency's digits, but be exact anyway).
  const kept = frac.slice(0, digits);
  const rest = frac.slice(digits);
  let minor = BigInt(m[2]!) * BigInt(10 ** digits) + BigInt(kept || '0');
  if (rest && Number(rest[0]) >= 5) minor += 1n;
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`"${value}" is too large`);
  return m[1] === '-' ? -Number(minor) : Number(minor);
}
