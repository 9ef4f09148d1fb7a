// The digest tick: which subscriptions are due now. A digest is due once its local time has come on a
// local day it has not been sent for, within a catch-up window (a service that was down at 09:00 still
// sends at 10:00, but not a day-old digest at midnight). Local time comes from the subscription's zone,
// so daylight-saving changes move the instant and never skip or double a day.
import type { Db } from '../../src/db/database.ts';
import { localDate, zonedTime } from '../../src/domain/time.ts';

export const CATCH_UP_MS = 12 * 3600_000;

export interface DueDigest {
  subscriptionId: number;
  localDate: string;
}

export async function dueDigests(db: Db, now: Date): Promise<DueDigest[]> {
  const subs = await db
    .selectFrom('digest_subscriptions')
    .select(['id', 'local_time', 'timezone', 'last_sent_local_date', 'starts_local_date'])
    .where('enabled', '=', true)
    .execute();
  const due: DueDigest[] = [];
  for (const s of subs) {
    const today = localDate(now, s.timezone);
    if (s.last_sent_local_date !== null && s.last_sent_local_date >= today) continue;
    if (s.starts_local_date !== null && s.starts_local_date > today) continue;
    const [hh, mm] = s.local_time.split(':').map(Number) as [number, number];
    const at = zonedTime(today, s.timezone, hh, mm);
    const late = now.getTime() - at.getTime();
    if (late >= 0 && late <= CATCH_UP_MS) due.push({ subscriptionId: s.id, localDate: today });
  }
  return due;
}
