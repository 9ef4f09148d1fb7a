// Where an influencer's notifications go: their /storefront notify choice, else a DM on the platform
// they first used.
import type { Db } from '../../db/database.ts';
import type { Platform } from '../../db/schema.ts';

export interface Destination {
  platform: Platform;
  workspaceId: string;
  userId: string;
  /** Set for channel destinations; DMs go to userId. */
  channelId: string | null;
}

export async function resolveDestination(db: Db, influencerId: number): Promise<Destination | 'off' | undefined> {
  const pref = await db.selectFrom('notification_preferences').selectAll().where('influencer_id', '=', influencerId).executeTakeFirst();
  if (pref?.destination === 'off') return 'off';
  if (pref?.platform && pref.workspace_id && pref.user_id) {
    return {
      platform: pref.platform,
      workspaceId: pref.workspace_id,
      userId: pref.user_id,
      channelId: pref.destination === 'channel' ? pref.channel_id : null,
    };
  }
  const identity = await db
    .selectFrom('platform_identities')
    .select(['platform', 'workspace_id', 'user_id'])
    .where('influencer_id', '=', influencerId)
    .orderBy('id')
    .executeTakeFirst();
  return identity ? { platform: identity.platform, workspaceId: identity.workspace_id, userId: identity.user_id, channelId: null } : undefined;
}

/** One key per place messages land, for pacing and pauses. */
export function destinationKey(d: Destination): string {
  return d.channelId ? `${d.platform}:channel:${d.channelId}` : `${d.platform}:dm:${d.workspaceId}:${d.userId}`;
}
