// A time of day as people type it in chat: 9am, 9:30pm, 9.30 pm, 21:30, 21 or 09:00. Stored and shown as HH:MM.
import { UserError } from '../../errors.ts';

const TIME = /^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$/;

/** `HH:MM` (24-hour) for what was typed; the default when nothing was. */
export function parseTimeOfDay(raw: string | undefined, fallback = '09:00'): string {
  const v = cleanInput(raw ?? '').toLowerCase();
  if (v === '') return fallback;
  const m = TIME.exec(v);
  const refuse = () => new UserError('invalid_input', `"${v.slice(0, 20)}" is not a time of day. Try 9am, 9:30pm, 21:30 or 21.`);
  if (!m) throw refuse();
  let hour = Number(m[1]);
  const minute = m[2] === undefined ? 0 : Number(m[2]);
  const half = m[3]?.replace(/\./g, '');
  if (minute > 59) throw refuse();
  if (half) {
    if (hour < 1 || hour > 12) throw refuse();
    hour = (hour % 12) + (half === 'pm' ? 12 : 0);
  } else if (hour > 23) {
    throw refuse();
  }
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

/**
 * What was typed without the characters people cannot see: zero-width spaces and joiners, direction marks and isolates, soft
 * hyphens and byte-order marks that chat clients and copied text carry; non-breaking spaces become spaces.
 */
export function cleanInput(raw: string): string {
  return raw
    .normalize('NFKC')
    .replace(/[\u00AD\u200B-\u200F\u202A-\u202E\u2060-\u2069\u180E\uFEFF]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}
