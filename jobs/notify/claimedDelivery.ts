// The send half of every notification job (commission notices, link-health notices): once a job has claimed its
// delivery row (notification_deliveries, by key) and found where it goes, wait for the destination's turn (reading
// what to say meanwhile), look for a message an earlier attempt sent but did not record, count the attempt, send,
// and record the outcome on the row. A destination that is gone is marked broken and the row failed.
import type { Job } from 'bullmq';
import type { Card } from '../../src/cards/card.ts';
import type { Db } from '../../src/db/database.ts';
import type { Logger } from '../../src/log.ts';
import { destinationKey, type Destination } from '../../src/domain/notifications/destination.ts';
import { countDeliveryAttempt, finishDelivery } from '../../src/domain/notifications/deliveries.ts';
import { markNotificationTargetBroken } from '../../src/domain/notifications/notificationPrefs.ts';
import { storefrontPageUrl } from '../../src/domain/links/links.ts';
import type { DestinationGate } from './destinationGate.ts';
import { pacedDelivery } from './pacedDelivery.ts';
import { deliver, senderFor, type Senders } from './senders.ts';

// Where every notification job records a delivery row's outcome (re-exported for the notice processors).

export interface ClaimedNotification<News extends { handle: string }> {
  /** The delivery row's key: also the message's idempotency key. */
  key: string;
  influencerId: number;
  /** Attempts the row had when it was claimed: above 0, an earlier attempt may have sent it already. */
  attempts: number;
  dest: Destination;
  /** What to say, read while the destination's turn comes, and drawn with the influencer's storefront link. */
  news: () => Promise<News>;
  card: (news: News, storefrontUrl: string) => Card;
}

export async function sendClaimed<News extends { handle: string }>(
  deps: { db: Db; gate: DestinationGate; senders: Senders; log: Logger; publicBaseUrl: string },
  job: Job,
  token: string | undefined,
  n: ClaimedNotification<News>,
  on: { gone?: (reason: string) => void | Promise<void>; sent?: (messageId: string, reconciled: boolean) => void } = {},
): Promise<{ sent: string; reconciled?: true }> {
  const { db } = deps;
  const { key, dest } = n;
  const destKey = destinationKey(dest);
  const recorded = { platform: dest.platform, destination: destKey };
  const compose = async (): Promise<Card> => {
    const news = await n.news();
    return n.card(news, storefrontPageUrl(deps.publicBaseUrl, news.handle));
  };
  let composed: Card | undefined;
  return pacedDelivery(
    job,
    token,
    {
      gate: deps.gate,
      destination: destKey,
      log: deps.log,
      onGone: async (reason) => {
        await on.gone?.(reason);
        await markNotificationTargetBroken(db, n.influencerId, reason, dest);
        await finishDelivery(db, key, 'failed', { error: reason, ...recorded });
      },
      prepare: async () => {
        composed = await compose();
      },
    },
    async (delivered) => {
      const sender = await senderFor(deps.senders, dest);
      // An earlier attempt may have sent the message and died before recording it: look before sending again.
      if (n.attempts > 0 && sender.findSent) {
        const found = await sender.findSent(dest.channelId ? { channelId: dest.channelId } : { userId: dest.userId }, key);
        if (found) {
          await finishDelivery(db, key, 'sent', { message_id: found, ...recorded });
          on.sent?.(found, true);
          return { sent: found, reconciled: true };
        }
      }
      await countDeliveryAttempt(db, key);
      const { messageId } = await deliver(sender, dest, composed ?? (await compose()), { idempotencyKey: key });
      await delivered();
      await finishDelivery(db, key, 'sent', { message_id: messageId, ...recorded });
      on.sent?.(messageId, false);
      return { sent: messageId };
    },
  );
}
