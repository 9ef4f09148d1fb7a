// Runs commands through the platform-neutral core the way an adapter does: identity, text, reply.
import { findCommand, parseText, runCommand } from '../../src/commands/index.ts';
import type { Db } from '../../src/db/database.ts';
import type { Platform } from '../../src/db/schema.ts';
import { resolveIdentity } from '../../src/domain/workspaces/identities.ts';
import { createLogger } from '../../src/log.ts';
import { readText, view, type CardView } from './cardView.ts';
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

/** The command's answer, read as a person sees it (`.card` is the card itself, for rendering). */
export async function run(db: Db, who: Person, command: string, text = '', extra: { channelId?: string; now?: Date; readDb?: Db } = {}): Promise<CardView> {
  const cmd = findCommand(command);
  if (!cmd) throw new Error(`no command ${command}`);
  const identity = await resolveIdentity(db, {
    platform: who.platform,
    workspaceId: who.workspaceId,
    userId: who.userId,
    platformAdmin: who.admin ?? false,
    timezone: who.timezone,
  });
  const parsed = parseText(cmd, text);
  if ('elements' in parsed) return view(parsed);
  return view(
    await runCommand(
      cmd,
      parsed,
      {
        db,
        readDb: extra.readDb,
        config: { PUBLIC_BASE_URL: 'https://go.test' },
        identity,
        resolveShort: notResolvable,
        channelId: extra.channelId ?? 'C1',
        now: extra.now ? () => extra.now! : undefined,
      },
      log,
    ),
  );
}

/** Everything a person would read in a reply, as one string. */
export const replyText = readText;
