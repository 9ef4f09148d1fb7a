// Runs commands through the platform-neutral core the way an adapter does: identity, text, reply.
import { findCommand, parseText, runCommand, type Reply } from '../../src/commands/index.ts';
import type { Db } from '../../src/db/database.ts';
import type { Platform } from '../../src/db/schema.ts';
import { resolveIdentity } from '../../src/domain/identities.ts';
import { createLogger } from '../../src/log.ts';
import { unique } from './env.ts';

const log = createLogger('silent');
const notResolvable = () => Promise.reject(new Error('short links are not resolved in this test'));

export interface Person {
  platform: Platform;
  workspaceId: string;
  userId: string;
  admin?: boolean;
  timezone?: string;
}

export function newWorkspace(platform: Platform = 'slack') {
  const workspaceId = unique('T').toUpperCase();
  return {
    workspaceId,
    person: (opts: Partial<Person> = {}): Person => ({ platform, workspaceId, userId: unique('U').toUpperCase(), ...opts }),
  };
}

export async function run(db: Db, who: Person, command: string, text = '', extra: { channelId?: string; now?: Date } = {}): Promise<Reply> {
  const cmd = findCommand(command);
  if (!cmd) throw new Error(`no command ${command}`);
  const identity = await resolveIdentity(db, { platform: who.platform, workspaceId: who.workspaceId, userId: who.userId, platformAdmin: who.admin ?? false, timezone: who.timezone });
  const parsed = parseText(cmd, text);
  if ('visibility' in parsed) return parsed;
  return runCommand(cmd, parsed, { db, config: { PUBLIC_BASE_URL: 'https://go.test' }, identity, resolveShort: notResolvable, channelId: extra.channelId ?? 'C1', now: extra.now ? () => extra.now! : undefined }, log);
}

/** Everything a person would read in a reply, as one string. */
export function replyText(r: Reply): string {
  return [r.title, r.text, ...(r.fields ?? []).map((f) => `${f.label}: ${f.value}`), ...(r.sections ?? []).flatMap((s) => [s.title, ...s.lines.map((l) => [l.text, l.url, l.detail].filter(Boolean).join(' '))]), ...(r.buttons ?? []).map((b) => `${b.label} ${b.url}`), r.footer].filter(Boolean).join('\n');
}
