import { UserError } from '../../errors.ts';

// Handles appear in URLs (/s/<handle>) and chat, so they are plain lowercase ASCII.
const HANDLE_RE = /^[a-z0-9](?:[a-z0-9_-]{0,30}[a-z0-9])?$/;

/** The handle `raw` names ("@Jane " → "jane"), or undefined when it is not one (a URL or lookup, not an input error). */
export function handleOf(raw: string): string | undefined {
  const v = raw.trim().replace(/^@/, '').toLowerCase();
  return HANDLE_RE.test(v) ? v : undefined;
}

export function normaliseHandle(raw: string): string {
  const v = handleOf(raw);
  if (v === undefined) {
    throw new UserError('invalid_input', 'A handle is 1 to 32 characters: letters a-z, digits, - and _, starting and ending with a letter or digit.');
  }
  return v;
}

export function isHandle(v: string): boolean {
  return HANDLE_RE.test(v);
}
