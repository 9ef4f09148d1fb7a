// One-time codes read on one screen and typed on another (account links, server links): how they look, how
// what a person typed is read, and how they are stored (hashed, never in clear).
import { createHash, randomInt } from 'node:crypto';

// No 0/O, 1/I/L: 31 symbols, easy to read aloud and retype.
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

export function generateCode(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/** What a person may type: any case, with spaces or dashes between groups. */
export function normaliseCode(raw: string): string {
  return raw.replace(/[\s-]/g, '').toUpperCase();
}

/** Whether a normalised code could be one of ours at all (checked before any database look-up). */
export function codePattern(length: number): RegExp {
  return new RegExp(`^[${ALPHABET}]{${length}}$`);
}

/** The stored form. Each kind of code has its own namespace, so a code of one kind never matches another. */
export function hashCode(namespace: string, code: string): string {
  return createHash('sha256').update(`${namespace}:${code}`).digest('hex');
}

/**
 * What a person typed, normalised, or `invalid` thrown when it cannot be a code matching `pattern` (a guess that
 * could never match costs no database look-up, and reads the same as a wrong code).
 */
export function readCode(raw: string, pattern: RegExp, invalid: Error): string {
  const code = normaliseCode(raw);
  if (!pattern.test(code)) throw invalid;
  return code;
}
