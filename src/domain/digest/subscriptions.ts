// Managers' daily digest subscriptions: a local time of day in an IANA time zone.
import type { Db } from '../../db/database.ts';
import { addDays, localDate, zonedTime } from '../common/time.ts';

export async function subscribeDigest(
  db: Db,
  args: { organisationId: number; identityId: number; localTime: string; timezone: string; channelId: string | null; now?: Date },
) {
  // Subscribing, or moving the time, after today's time has passed starts tomorrow (/digest now shows today's at
  // once); a time still ahead today sends today's at that time, unless today's was already sent.
  const now = args.now ?? new Date();
  const today = localDate(now, args.timezone);
  const [hh, mm] = args.localTime.split(':').map(Number) as [number, number];
  const passed = now.getTime() >= zonedTime(today, args.timezone, hh, mm).getTime();
  const values = {
    organisation_id: args.organisationId,
    local_time: args.localTime,
    timezone: args.timezone,
    channel_id: args.channelId,
    enabled: true,
    starts_local_date: passed ? addDays(today, 1) : today,
  };
  return db
    .insertInto('digest_subscriptions')
    .values({ identity_id: args.identityId, ...values })
    .onConflict((oc) => oc.column('identity_id').doUpdateSet(values))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function unsubscribeDigest(db: Db, identityId: number): Promise<boolean> {
  const r = await db
    .updateTable('digest_subscriptions')
    .set({ enabled: false })
    .where('identity_id', '=', identityId)
    .where('enabled', '=', true)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
