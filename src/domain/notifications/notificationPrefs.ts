// Where an influencer's commission notifications go (default: a DM on the platform they set up from).
import type { Db } from '../../db/database.ts';
import type { Platform } from '../../db/schema.ts';

export interface NotificationTarget {
  destination: 'dm' | 'channel' | 'off';
  platform: Platform;
  workspaceId: string;
  userId: string;
  channelId: string | null;
}

export async function setNotificationTarget(db: Db, influencerId: number, t: NotificationTarget): Promise<void> {
  const values = {
    destination: t.destination,
    platform: t.platform,
    workspace_id: t.workspaceId,
    user_id: t.userId,
    channel_id: t.channelId,
    broken_at: null,
    broken_reason: null,
    updated_at: new Date(),
  };
  await db
    .insertInto('notification_preferences')
    .values({ influencer_id: influencerId, ...values })
    .onConflict((oc) => oc.column('influencer_id').doUpdateSet(values))
    .execute();
}

/** Why the influencer's notifications stopped reaching them, when they did (undefined while they work). */
export async function notificationProblem(db: Db, influencerId: number): Promise<string | undefined> {
  const row = await db
    .selectFrom('notification_preferences')
    .select(['broken_at', 'broken_reason'])
    .where('influencer_id', '=', influencerId)
    .executeTakeFirst();
  return row?.broken_at ? (row.broken_reason ?? 'destination unavailable') : undefined;
}

/** Called by the notifier when a destination stops working; the influencer sees it in /storefront show. */
export async function markNotificationTargetBroken(
  db: Db,
  influencerId: number,
  reason: string,
  dest?: { platform: Platform; workspaceId: string; userId: string; channelId: string | null },
): Promise<void> {
  const broken = { broken_at: new Date(), broken_reason: reason.slice(0, 200) };
  // With no stored choice the default (a DM) was used: record it, so the warning has somewhere to live.
  await db
    .insertInto('notification_preferences')
    .values({
      influencer_id: influencerId,
      destination: dest?.channelId ? 'channel' : 'dm',
      platform: dest?.platform ?? null,
      workspace_id: dest?.workspaceId ?? null,
      user_id: dest?.userId ?? null,
      channel_id: dest?.channelId ?? null,
      ...broken,
    })
    .onConflict((oc) => oc.column('influencer_id').doUpdateSet(broken))
    .execute();
}
