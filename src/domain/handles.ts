import { UserError } from '../errors.ts';

// Handles appear in URLs (/s/<handle>) and chat, so they are plain lowercase ASCII.
const HANDLE_RE = /^[a-z0-9](?:[a-z0-9_-]{0,30}[a-z0-9])?$/;

export function normaliseHandle(raw: string): string {
  const v = raw.trim().replace(/^@/, '').toLowerCase();
  if (!HANDLE_RE.test(v)) {
    throw new UserError('invalid_input', 'A handle is 1 to 32 characters: letters a-z, digits, - and _, starting and ending with a letter or digit.');
  }
  return v;
}

export function isHandle(v: string): boolean {
  return HANDLE_RE.test(v);
}
