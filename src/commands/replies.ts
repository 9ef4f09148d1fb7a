// Small builders for the Reply card shapes every command uses.
import type { Reply } from './types.ts';

export function errorReply(message: string, usage?: string): Reply {
  return { visibility: 'ephemeral', tone: 'error', text: message, ...(usage ? { footer: `Usage: ${usage}` } : {}) };
}

export function infoReply(text: string, extra: Partial<Reply> = {}): Reply {
  return { visibility: 'ephemeral', tone: 'info', text, ...extra };
}

export function successReply(text: string, extra: Partial<Reply> = {}): Reply {
  return { visibility: 'ephemeral', tone: 'success', text, ...extra };
}

/** Said privately to whoever used a button or shortcut the app no longer has (a stale message, another version). */
export function notHandledReply(): Reply {
  return infoReply("That button or shortcut isn't available any more. Run the command again (`/storefront help` lists them) for a fresh one.");
}
