// OAuth installations in Postgres (slack_workspaces): one row per workspace, bound to one organisation.
// The bot token lives only in bot_token (cleared on revocation); the installation jsonb keeps the rest. Every token
// is sealed at rest (src/secrets/storedSecrets.ts): bot_token, and the user token, refresh tokens and webhook URL
// inside the jsonb. Rows written before sealing hold plaintext, which is read as is and sealed at the next start.
import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import { LRUCache } from 'lru-cache';
import type { Db } from '../../src/db/database.ts';
import { organisationForWorkspace } from '../../src/domain/workspaces/identities.ts';
import { activeSlackInstallation, markWorkspaceRevoked, saveSlackInstallation } from '../../src/domain/workspaces/slackWorkspaces.ts';
import type { SecretBox } from '../../src/secrets/secretBox.ts';
import { botTokenContext, openInstallation, sealInstallation } from '../../src/secrets/storedSecrets.ts';

type AnyInstallation = Installation<'v1' | 'v2', boolean>;

/** The installation for the jsonb column: without the bot token (it has its own column), other secrets sealed. */
function storedInstallation(box: SecretBox, teamId: string, inst: AnyInstallation): unknown {
  const { bot, ...rest } = inst;
  const kept = bot ? (({ token: _token, ...b }) => b)(bot) : undefined;
  return sealInstallation(box, teamId, { ...rest, ...(kept ? { bot: kept } : {}) });
}

// Kept here too for the listeners that import it from the store.

export interface PostgresInstallationStore extends InstallationStore {
  /** Drops a cached installation (after revocation). */
  forget(teamId: string): void;
}

export function postgresInstallationStore(db: Db, box: SecretBox, cacheTtlMs = 60_000): PostgresInstallationStore {
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
      await saveSlackInstallation(db, {
        teamId: team.id,
        enterpriseId: inst.enterprise?.id ?? null,
        name: team.name ?? null,
        botUserId: inst.bot.userId,
        botToken: box.seal(inst.bot.token, botTokenContext(team.id)),
        installation: storedInstallation(box, team.id, inst),
      });
      cache.delete(team.id);
    },

    async fetchInstallation(query: InstallationQuery<boolean>) {
      const teamId = query.teamId;
      if (!teamId) throw new Error('Organisation-wide installs are not supported');
      const hit = cache.get(teamId);
      if (hit) return hit;
      const row = await activeSlackInstallation(db, teamId);
      if (!row?.botToken || !row.installation) throw new Error(`No active installation for workspace ${teamId}`);
      const stored = openInstallation<AnyInstallation>(box, teamId, row.installation);
      const inst: AnyInstallation = { ...stored, bot: { ...stored.bot!, token: box.open(row.botToken, botTokenContext(teamId)) } };
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
