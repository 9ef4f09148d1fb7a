// State changes of a notification delivery row (notification_deliveries, by key) once a job has claimed it: the
// attempts it took and the outcome. Shared by every notification job (commission and link-health notices, digests).
import type { Db } from '../../db/database.ts';

/** Records a delivery row's outcome (sent_at is set for `sent`, cleared otherwise). */
export async function finishDelivery(
  db: Db,
  key: string,
  status: 'sent' | 'skipped' | 'failed',
  extra: { message_id?: string; error?: string; platform?: string; destination?: string } = {},
): Promise<void> {
  await db
    .updateTable('notification_deliveries')
    .set({ status, sent_at: status === 'sent' ? new Date() : null, ...extra })
    .where('key', '=', key)
    .execute();
}

/** Counts one more send attempt on a delivery row (recorded before sending). */
export async function countDeliveryAttempt(db: Db, key: string): Promise<void> {
  await db
    .updateTable('notification_deliveries')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('key', '=', key)
    .execute();
}
