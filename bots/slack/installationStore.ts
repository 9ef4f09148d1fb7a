// OAuth installations in Postgres (slack_workspaces): one row per workspace, bound to one organisation.
// The bot token lives only in bot_token (cleared on revocation); the installation jsonb keeps the rest.
import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import { LRUCache } from 'lru-cache';
import type { Db } from '../../src/db/database.ts';
import { organisationForWorkspace } from '../../src/domain/identities.ts';

type AnyInstallation = Installation<'v1' | 'v2', boolean>;

/** The installation without any token, for the jsonb column. */
function withoutTokens(inst: AnyInstallation): Record<string, unknown> {
  const { bot, user, ...rest } = inst;
  return {
    ...rest,
    user: { id: user.id, scopes: user.scopes },
    ...(bot ? { bot: { id: bot.id, userId: bot.userId, scopes: bot.scopes } } : {}),
  };
}

export async function markWorkspaceRevoked(db: Db, teamId: string): Promise<number> {
  const r = await db.updateTable('slack_workspaces').set({ revoked_at: new Date(), bot_token: null }).where('team_id', '=', teamId).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export interface PostgresInstallationStore extends InstallationStore {
  /** Drops a cached installation (after revocation). */
  forget(teamId: string): void;
}

export function postgresInstallationStore(db: Db, cacheTtlMs = 60_000): PostgresInstallationStore {
  // authorize() runs before every ack; a short cache keeps the database off that path.
  const cache = new LRUCache<string, AnyInstallation>({ max: 1000, ttl: cacheTtlMs });

  return {
    async storeInstallation(inst) {
      const team = inst.team;
      if (inst.isEnterpriseInstall || !team?.id) {
        throw new Error('Organisation-wide (Enterprise Grid) installs are not supported; install the app into each workspace.');
      }
      if (!inst.bot?.token) throw new Error('The installation carries no bot token; the app needs its bot scopes.');
      await organisationForWorkspace(db, 'slack', team.id, team.name);
      await db
        .updateTable('slack_workspaces')
        .set((eb) => ({
          enterprise_id: inst.enterprise?.id ?? null,
          name: eb.fn.coalesce(eb.val(team.name ?? null), eb.ref('name')),
          bot_user_id: inst.bot!.userId,
          bot_token: inst.bot!.token,
          installation: JSON.stringify(withoutTokens(inst)),
          revoked_at: null,
        }))
        .where('team_id', '=', team.id)
        .execute();
      cache.delete(team.id);
    },

    async fetchInstallation(query: InstallationQuery<boolean>) {
      const teamId = query.teamId;
      if (!teamId) throw new Error('Organisation-wide installs are not supported');
      const hit = cache.get(teamId);
      if (hit) return hit;
      const row = await db
        .selectFrom('slack_workspaces')
        .select(['bot_token', 'installation'])
        .where('team_id', '=', teamId)
        .where('revoked_at', 'is', null)
        .where('bot_token', 'is not', null)
        .executeTakeFirst();
      if (!row?.bot_token || !row.installation) throw new Error(`No active installation for workspace ${teamId}`);
      const stored = row.installation as AnyInstallation;
      const inst: AnyInstallation = { ...stored, bot: { ...stored.bot!, token: row.bot_token } };
      cache.set(teamId, inst);
      return inst;
    },

    async deleteInstallation(query: InstallationQuery<boolean>) {
      if (!query.teamId) return;
      await markWorkspaceRevoked(db, query.teamId);
      cache.delete(query.teamId);
    },

    forget(teamId: string) {
      cache.delete(teamId);
    },
  };
}
