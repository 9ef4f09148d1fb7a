// A digest's delivery: the subscription and where it goes, the delivery row claimed for one subscription and local
// day (key digest:<subscription>:<local day>), and its outcome.
import type { Db } from '../../db/database.ts';
import type { DeliveryStatus } from '../../db/schema.ts';
import { newDeliveryRow } from '../common/deliveryRow.ts';
import type { Destination } from '../notifications/destination.ts';
import { finishDelivery } from '../notifications/deliveries.ts';

export interface DigestSubscriptionTarget {
  id: number;
  organisationId: number;
  timezone: string;
  enabled: boolean;
  /** The subscriber's identity (platform, workspace, user) and the channel, when it goes to one. */
  destination: Destination;
}

/** A digest subscription with its subscriber's identity, or undefined when there is none with that id. */
export async function findDigestSubscriptionTarget(db: Db, subscriptionId: number): Promise<DigestSubscriptionTarget | undefined> {
  const row = await db
    .selectFrom('digest_subscriptions as s')
    .innerJoin('platform_identities as p', 'p.id', 's.identity_id')
    .select(['s.id', 's.organisation_id', 's.timezone', 's.channel_id', 's.enabled', 'p.platform', 'p.workspace_id', 'p.user_id'])
    .where('s.id', '=', subscriptionId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    organisationId: row.organisation_id,
    timezone: row.timezone,
    enabled: row.enabled,
    destination: { platform: row.platform, workspaceId: row.workspace_id, userId: row.user_id, channelId: row.channel_id },
  };
}

export interface EnabledDigestSubscription {
  id: number;
  /** HH:MM in the subscription's zone. */
  localTime: string;
  timezone: string;
  lastSentLocalDate: string | null;
  startsLocalDate: string | null;
}

/** Every enabled digest subscription with its schedule (local time, zone) and the local days it was sent for and starts. */
export async function listEnabledDigestSubscriptions(db: Db): Promise<EnabledDigestSubscription[]> {
  const rows = await db
    .selectFrom('digest_subscriptions')
    .select(['id', 'local_time', 'timezone', 'last_sent_local_date', 'starts_local_date'])
    .where('enabled', '=', true)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    localTime: r.local_time,
    timezone: r.timezone,
    lastSentLocalDate: r.last_sent_local_date,
    startsLocalDate: r.starts_local_date,
  }));
}

/**
 * Claims the delivery row of a digest (created `claimed` unless it exists already) and reads it back: only a row
 * still `claimed` is this job's to send; `attempts` above 0 means an earlier attempt may have sent it already.
 */
export async function claimDigestDelivery(db: Db, key: string, subscriptionId: number): Promise<{ status: DeliveryStatus; attempts: number }> {
  await db
    .insertInto('notification_deliveries')
    .values(newDeliveryRow({ key, kind: 'digest', influencer_id: null, subscription_id: subscriptionId, entry_from: null, entry_to: null }))
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  return db.selectFrom('notification_deliveries').select(['status', 'attempts']).where('key', '=', key).executeTakeFirstOrThrow();
}

/**
 * Marks a digest's delivery sent and its subscription sent for that local day, in one transaction: nobody (the tick,
 * a manager's /digest, a retry) sees the delivery sent but the day not marked. Takes the database, not a transaction.
 */
export async function markDigestSent(
  db: Db,
  args: { key: string; subscriptionId: number; localDate: string; messageId: string; platform: string; destination: string },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await finishDelivery(trx, args.key, 'sent', { message_id: args.messageId, platform: args.platform, destination: args.destination });
    await trx.updateTable('digest_subscriptions').set({ last_sent_local_date: args.localDate }).where('id', '=', args.subscriptionId).execute();
  });
}
