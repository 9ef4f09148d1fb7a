// Who is typing, as Slack says: team + user, admin/owner flags and time zone from users.info (cached a few
// minutes per user), mapped onto the platform-neutral identity (organisation, influencer, role).
import type { webApi } from '@slack/bolt';
import { LRUCache } from 'lru-cache';
import type { Db } from '../../src/db/database.ts';
import { resolveIdentity, type Identity } from '../../src/domain/workspaces/identities.ts';
import type { Logger } from '../../src/log.ts';

export interface SlackUserInfo {
  /** Workspace admin, owner or primary owner. */
  admin: boolean;
  timezone?: string | undefined;
  displayName?: string | undefined;
}

export const USER_INFO_TTL_MS = 5 * 60_000;

export class SlackUserDirectory {
  private readonly cache = new LRUCache<string, SlackUserInfo>({ max: 10_000, ttl: USER_INFO_TTL_MS });

  constructor(private readonly log: Logger) {}

  async lookup(client: webApi.WebClient, teamId: string, userId: string): Promise<SlackUserInfo> {
    const key = `${teamId}:${userId}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    try {
      const r = await client.users.info({ user: userId });
      const u = r.user;
      const info: SlackUserInfo = {
        admin: Boolean(u?.is_admin || u?.is_owner || u?.is_primary_owner),
        timezone: u?.tz || undefined,
        displayName: u?.profile?.display_name || u?.real_name || u?.name || undefined,
      };
      this.cache.set(key, info);
      return info;
    } catch (err) {
      // Fail closed: without Slack's word, nobody is an admin. Not cached, so the next call asks again.
      this.log.warn({ err, teamId, userId }, 'users.info failed; treating the user as a member');
      return { admin: false };
    }
  }
}

export async function slackIdentity(
  db: Db,
  users: SlackUserDirectory,
  client: webApi.WebClient,
  who: { teamId: string; teamName?: string | undefined; userId: string },
): Promise<Identity> {
  const info = await users.lookup(client, who.teamId, who.userId);
  return resolveIdentity(db, {
    platform: 'slack',
    workspaceId: who.teamId,
    workspaceName: who.teamName,
    userId: who.userId,
    displayName: info.displayName,
    timezone: info.timezone,
    platformAdmin: info.admin,
  });
}
