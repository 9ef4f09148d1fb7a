// Managers' daily digest subscriptions: a local time of day in an IANA time zone.
import type { Db } from '../../db/database.ts';
import { UserError } from '../../errors.ts';
import { isTimeZone, localDate, zonedTime } from '../time.ts';

export function parseLocalTime(raw: string | undefined): string {
  const v = (raw ?? '09:00').trim();
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(v);
  if (!m) throw new UserError('invalid_input', `"${v.slice(0, 20)}" is not a time of day. Use HH:MM, like 09:00 or 17:30.`);
  return `${m[1]!.padStart(2, '0')}:${m[2]}`;
}

export function parseTimeZone(raw: string | undefined, fallback: string | null): string {
  const v = raw?.trim() || fallback || 'UTC';
  if (!isTimeZone(v)) throw new UserError('invalid_input', `"${v.slice(0, 40)}" is not a time zone. Use a name like Europe/Berlin or America/New_York.`);
  return v;
}

export async function subscribeDigest(db: Db, args: { organisationId: number; identityId: number; localTime: string; timezone: string; channelId: string | null; now?: Date }) {
  // Subscribing after today's time has passed starts tomorrow (/digest now shows today's at once).
  const now = args.now ?? new Date();
  const today = localDate(now, args.timezone);
  const [hh, mm] = args.localTime.split(':').map(Number) as [number, number];
  const passed = now.getTime() >= zonedTime(today, args.timezone, hh, mm).getTime();
  const values = { organisation_id: args.organisationId, local_time: args.localTime, timezone: args.timezone, channel_id: args.channelId, enabled: true, ...(passed ? { last_sent_local_date: today } : {}) };
  return db
    .insertInto('digest_subscriptions')
    .values({ identity_id: args.identityId, ...values })
    .onConflict((oc) => oc.column('identity_id').doUpdateSet(values))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function unsubscribeDigest(db: Db, identityId: number): Promise<boolean> {
  const r = await db.updateTable('digest_subscriptions').set({ enabled: false }).where('identity_id', '=', identityId).where('enabled', '=', true).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
