// Link-health notices (queue catalogue-notice): after a catalogue run, each influencer with products that stopped
// being buyable gets one message listing them. Claimed exactly once (linkHealth.claimHealthNotice), paced per
// destination, sent and recorded like commission notices (same destination choice, same "off").
import type { Job } from 'bullmq';
import type { Db } from '../../src/db/database.ts';
import type { Logger } from '../../src/log.ts';
import type { Card } from '../../src/cards/card.ts';
import { unavailableProductsCard } from '../../src/cards/catalogueNotice.ts';
import { claimHealthNotice, healthNews, pendingHealthNotices } from '../../src/domain/catalogue/linkHealth.ts';
import { destinationKey, resolveDestination } from '../../src/domain/notifications/destination.ts';
import { markNotificationTargetBroken } from '../../src/domain/notificationPrefs.ts';
import type { QueuePayloads, Queues } from '../../src/queues.ts';
import type { DestinationGate } from './destinationGate.ts';
import { pacedDelivery } from './pacedDelivery.ts';
import { deliver, senderFor, type Senders } from './senders.ts';

export interface CatalogueNoticeDeps {
  db: Db;
  gate: DestinationGate;
  senders: Senders;
  publicBaseUrl: string;
  log: Logger;
}

/** The job id of a notice: one per influencer and newest alert, so a run queued twice sends once. */
export const catalogueNoticeJobId = (influencerId: number, upTo: number) => `catalogue-notice-${influencerId}-${upTo}`;

/** Queues one notice per influencer with untold alerts (after a fill or refresh run). */
export async function queueHealthNotices(db: Db, queue: Queues['catalogue-notice'], opts: { influencerIds?: number[] } = {}): Promise<number> {
  const pending = await pendingHealthNotices(db, opts);
  for (const p of pending) await queue.add('catalogue-notice', p, { jobId: catalogueNoticeJobId(p.influencerId, p.upTo) });
  return pending.length;
}

export function catalogueNoticeProcessor(deps: CatalogueNoticeDeps) {
  const { db, log } = deps;
  const finish = (
    key: string,
    status: 'sent' | 'skipped' | 'failed',
    extra: { message_id?: string; error?: string; platform?: string; destination?: string } = {},
  ) =>
    db
      .updateTable('notification_deliveries')
      .set({ status, sent_at: status === 'sent' ? new Date() : null, ...extra })
      .where('key', '=', key)
      .execute();

  return async (job: Job<QueuePayloads['catalogue-notice']>, token?: string) => {
    const { influencerId, upTo } = job.data;
    const claim = await claimHealthNotice(db, influencerId, upTo);
    if (!claim) return { skipped: 'nothing new' };
    if (claim.status !== 'claimed') return { skipped: `already ${claim.status}` };
    const { key } = claim;
    const dest = await resolveDestination(db, influencerId);
    if (!dest || dest === 'off') {
      const reason = dest === 'off' ? 'notifications are off' : 'no chat identity';
      await finish(key, 'skipped', { error: reason });
      log.info({ influencerId, key, reason }, 'catalogue notice skipped');
      return { skipped: reason };
    }
    const destKey = destinationKey(dest);
    let composed: Card | undefined;
    const compose = async (): Promise<Card> => {
      const news = await healthNews(db, key);
      if (!news) throw new Error(`catalogue notice ${key} has no products`);
      return unavailableProductsCard(news, `${deps.publicBaseUrl}/s/${encodeURIComponent(news.handle)}`);
    };
    return pacedDelivery(
      job,
      token,
      {
        gate: deps.gate,
        destination: destKey,
        log,
        onGone: async (reason) => {
          await markNotificationTargetBroken(db, influencerId, reason, dest);
          await finish(key, 'failed', { error: reason, platform: dest.platform, destination: destKey });
          log.warn({ influencerId, key, reason }, 'catalogue notice given up');
        },
        prepare: async () => {
          composed = await compose();
        },
      },
      async (delivered) => {
        const sender = await senderFor(deps.senders, dest);
        // An earlier attempt may have sent it and died before recording it: look before sending again.
        const current = await db.selectFrom('notification_deliveries').select('attempts').where('key', '=', key).executeTakeFirstOrThrow();
        if (current.attempts > 0 && sender.findSent) {
          const found = await sender.findSent(dest.channelId ? { channelId: dest.channelId } : { userId: dest.userId }, key);
          if (found) {
            await finish(key, 'sent', { message_id: found, platform: dest.platform, destination: destKey });
            return { sent: found, reconciled: true };
          }
        }
        await db
          .updateTable('notification_deliveries')
          .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
          .where('key', '=', key)
          .execute();
        const { messageId } = await deliver(sender, dest, composed ?? (await compose()), { idempotencyKey: key });
        await delivered();
        await finish(key, 'sent', { message_id: messageId, platform: dest.platform, destination: destKey });
        log.info({ influencerId, key, platform: dest.platform, messageId }, 'catalogue notice sent');
        return { sent: messageId };
      },
    );
  };
}
