// A Slack workspace's app installation as stored (slack_workspaces): the bot token in its own column (cleared on
// revocation), the rest of the OAuth installation as jsonb. Plain data only: the values come in and go out as
// stored, sealed at rest; sealing and opening them is the caller's (src/secrets/storedSecrets.ts).
import type { Db } from '../../db/database.ts';

/** Marks the workspace's installation revoked and forgets its bot token: the number of rows changed (0 or 1). */
export async function markWorkspaceRevoked(db: Db, teamId: string): Promise<number> {
  const r = await db.updateTable('slack_workspaces').set({ revoked_at: new Date(), bot_token: null }).where('team_id', '=', teamId).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export interface SlackInstallationInput {
  teamId: string;
  enterpriseId: string | null;
  /** The workspace's name; null keeps the one stored. */
  name: string | null;
  botUserId: string;
  /** The bot token, sealed. */
  botToken: string;
  /** The installation without its bot token, other secrets sealed (stored as jsonb). */
  installation: unknown;
}

/**
 * Stores a (re)installation on the workspace's row (made beforehand by organisationForWorkspace) and clears any
 * revocation.
 */
export async function saveSlackInstallation(db: Db, input: SlackInstallationInput): Promise<void> {
  await db
    .updateTable('slack_workspaces')
    .set((eb) => ({
      enterprise_id: input.enterpriseId,
      name: eb.fn.coalesce(eb.val(input.name), eb.ref('name')),
      bot_user_id: input.botUserId,
      bot_token: input.botToken,
      installation: JSON.stringify(input.installation),
      revoked_at: null,
    }))
    .where('team_id', '=', input.teamId)
    .execute();
}

export interface StoredSlackInstallation {
  /** Sealed (plaintext if written before sealing). */
  botToken: string | null;
  /** The jsonb as stored: its secrets sealed. */
  installation: unknown;
}

/** The workspace's installation, when it is not revoked and has a bot token. */
export async function activeSlackInstallation(db: Db, teamId: string): Promise<StoredSlackInstallation | undefined> {
  const row = await db
    .selectFrom('slack_workspaces')
    .select(['bot_token', 'installation'])
    .where('team_id', '=', teamId)
    .where('revoked_at', 'is', null)
    .where('bot_token', 'is not', null)
    .executeTakeFirst();
  return row && { botToken: row.bot_token, installation: row.installation };
}

/** The bot token (sealed) of a workspace whose installation is not revoked; undefined when there is none. */
export async function activeSlackBotToken(db: Db, teamId: string): Promise<string | undefined> {
  const row = await db.selectFrom('slack_workspaces').select('bot_token').where('team_id', '=', teamId).where('revoked_at', 'is', null).executeTakeFirst();
  return row?.bot_token ?? undefined;
}

/** Whether the workspace's installation was revoked (false for a workspace not stored). */
export async function isSlackWorkspaceRevoked(db: Db, teamId: string): Promise<boolean> {
  const row = await db.selectFrom('slack_workspaces').select('revoked_at').where('team_id', '=', teamId).executeTakeFirst();
  return Boolean(row?.revoked_at);
}
