// Text helpers every card renderer and composer shares: clipping, fitting escaped text into a limit, deciding which
// URLs may become links, and counted words. The escaping rules themselves (mrkdwn, Discord markdown) and every
// platform limit stay in the renderers, which pass them in.

import { formatMoney } from '../domain/common/money.ts';

export const ZWSP = '\u200B';

/** Whitespace runs (new lines too) as one space: for one-line places such as titles, labels and list lines. */
export const oneLine = (s: string): string => s.replace(/\s+/g, ' ');

/**
 * Cuts `s` to at most `max` characters counted by code points (never splitting a surrogate pair), ending in "…" when
 * cut. With `utf16`, the UTF-16 length stays within `max` too (Discord counts UTF-16 units).
 */
export function clip(s: string, max: number, opts: { utf16?: boolean } = {}): string {
  const chars = Array.from(s);
  if (chars.length <= max && (!opts.utf16 || s.length <= max)) return s;
  let n = Math.min(chars.length, max - 1);
  if (opts.utf16) while (n > 0 && chars.slice(0, n).join('').length > max - 1) n--;
  return `${chars.slice(0, n).join('')}…`;
}

/**
 * Escapes `raw` with `escape` and fits the result into `max` characters, cutting the raw text (never an escape
 * sequence) and adding "…". `growth` is how many characters one raw character may become once escaped (the step by
 * which an over-long cut shrinks).
 */
export function fit(raw: string, max: number, escape: (s: string) => string, growth: number): string {
  if (max <= 0) return '';
  const whole = escape(raw);
  if (whole.length <= max) return whole;
  const chars = Array.from(raw);
  let n = Math.min(chars.length, max);
  while (n > 0) {
    const cut = `${escape(chars.slice(0, n).join(''))}…`;
    if (cut.length <= max) return cut;
    n -= Math.max(1, Math.floor((cut.length - max) / growth));
  }
  return '…';
}

/** Applies `outside` to the text between URLs and `inside` to the URLs themselves (so an escape never lands inside a link). */
export function mapOutsideUrls(raw: string, urls: RegExp, outside: (s: string) => string, inside: (url: string) => string = (u) => u): string {
  let out = '';
  let last = 0;
  for (const m of raw.matchAll(urls)) {
    out += outside(raw.slice(last, m.index));
    out += inside(m[0]);
    last = m.index + m[0].length;
  }
  return out + outside(raw.slice(last));
}

/**
 * Only URLs we built become links: http(s), no whitespace, no < or >, none of the platform's own link-ending
 * characters (`forbidden`), and within the platform's limit.
 */
export function isLinkableUrl(url: string | undefined, rules: { max: number; forbidden?: string }): url is string {
  if (url === undefined || url.length > rules.max || !/^https?:\/\/[^\s<>]+$/.test(url)) return false;
  return !Array.from(rules.forbidden ?? '').some((c) => url.includes(c));
}

/** Only https pictures are shown (a chat client fetches them for every reader; http would be mixed content or a tracker). */
export function isImageUrl(url: string | undefined, rules: { max: number; forbidden?: string }): url is string {
  return isLinkableUrl(url, rules) && url.startsWith('https://');
}

/** A count with thousands separators: 1,234. */
export const count = (n: number): string => n.toLocaleString('en-US');

/** The word for `n` things: "item" or "items". */
export const pluralWord = (n: number, one: string, many = `${one}s`): string => (n === 1 ? one : many);

/** "1 click", "1,234 clicks". */
export const plural = (n: number, one: string, many = `${one}s`): string => `${count(n)} ${pluralWord(n, one, many)}`;

/** The minus sign people read (U+2212), not a hyphen. */
export const MINUS = '\u2212';

/** An amount as people read it: "$1,234.56", "−$0.45" (the minus sign, as percentages have it). */
export const money = (minor: number, currency: string): string => formatMoney(minor, currency).replace('-', MINUS);

const AS_OF = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
  timeZone: 'UTC',
});
/** "5 Dec 2026, 14:05 UTC": one fixed zone, since pages are cached and cards are read across time zones. */
export const formatAsOf = (d: Date): string => `${AS_OF.format(d)} UTC`;

/** A price with the time it was true, as Amazon's rules ask wherever a price is shown: "$24.99 as of 5 Dec 2026, 14:05 UTC". */
export const priceAsOf = (p: { minor: number; currency: string; asOf: Date }): string => `${money(p.minor, p.currency)} as of ${formatAsOf(p.asOf)}`;

/** A whole percentage with its sign: "+5%", "−3%", "no change" for 0 (never "±0%" or "-0%"). */
export function signedPercent(pct: number): string {
  const whole = Math.round(pct);
  if (whole === 0 || !Number.isFinite(whole)) return 'no change';
  return whole > 0 ? `+${count(whole)}%` : `${MINUS}${count(-whole)}%`;
}

/** A figure against an earlier one: "+20%", "−5%", "no change" (both zero too), "new" when only the earlier one was zero. */
export function percentChange(current: number, previous: number): string {
  if (previous === 0) return current === 0 ? 'no change' : 'new';
  return signedPercent(((current - previous) * 100) / Math.abs(previous));
}

/** Shortens by UTF-16 length to a word-friendly cut ("Camping sto…"), for names inside longer lines. */
export function shorten(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1).trimEnd()}…`;
}
