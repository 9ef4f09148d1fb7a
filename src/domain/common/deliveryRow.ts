// The notification_deliveries row a notice is claimed with, for every kind (commission and link-health notices,
// digests). It lives in the kernel because the catalogue, below notifications, claims its link-health notices
// itself; notifications/deliveries.ts records what happens to the row after.
import type { Insertable } from 'kysely';
import type { NotificationDeliveriesTable } from '../../db/schema.ts';

/** What a delivery is about: its once-only key, its kind, and the influencer, subscription or ledger range it tells. */
export type DeliverySubject = Pick<NotificationDeliveriesTable, 'key' | 'kind' | 'influencer_id' | 'subscription_id' | 'entry_from' | 'entry_to'>;

/** A new delivery row (status `claimed` by default): nothing is sent yet, so where it went and how it ended are null. */
export function newDeliveryRow(subject: DeliverySubject): Insertable<NotificationDeliveriesTable> {
  return { ...subject, platform: null, destination: null, message_id: null, error: null, sent_at: null };
}
