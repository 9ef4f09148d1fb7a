// Where a claimed notice goes. A notice with nowhere to go (notifications off, or no chat identity) is finished as
// skipped on its delivery row, so it is not tried again.
import type { Db } from '../../src/db/database.ts';
import { resolveDestination, type Destination } from '../../src/domain/notifications/destination.ts';
import { finishDelivery } from '../../src/domain/notifications/deliveries.ts';

export type Undeliverable = { skipped: 'notifications are off' | 'no chat identity' };

/** The destination of the delivery row `key`, or why there is none (recorded on the row). */
export async function noticeDestination(db: Db, influencerId: number, key: string): Promise<Destination | Undeliverable> {
  const dest = await resolveDestination(db, influencerId);
  if (dest && dest !== 'off') return dest;
  const reason = dest === 'off' ? 'notifications are off' : 'no chat identity';
  await finishDelivery(db, key, 'skipped', { error: reason });
  return { skipped: reason };
}
