// The digest tick: which subscriptions are due now. A digest is due once its local time has come on a
// local day it has not been sent for, within a catch-up window (a service that was down at 09:00 still
// sends at 10:00, but not a day-old digest at midnight). Local time comes from the subscription's zone,
// so daylight-saving changes move the instant and never skip or double a day.
import type { Db } from '../../src/db/database.ts';
import { listEnabledDigestSubscriptions } from '../../src/domain/digest/digestDeliveries.ts';
import { localDate, zonedTime } from '../../src/domain/common/time.ts';

export const CATCH_UP_MS = 12 * 3600_000;

export interface DueDigest {
  subscriptionId: number;
  localDate: string;
}

export async function dueDigests(db: Db, now: Date): Promise<DueDigest[]> {
  const subs = await listEnabledDigestSubscriptions(db);
  const due: DueDigest[] = [];
  for (const s of subs) {
    const today = localDate(now, s.timezone);
    if (s.lastSentLocalDate !== null && s.lastSentLocalDate >= today) continue;
    if (s.startsLocalDate !== null && s.startsLocalDate > today) continue;
    const [hh, mm] = s.localTime.split(':').map(Number) as [number, number];
    const at = zonedTime(today, s.timezone, hh, mm);
    const late = now.getTime() - at.getTime();
    if (late >= 0 && late <= CATCH_UP_MS) due.push({ subscriptionId: s.id, localDate: today });
  }
  return due;
}
