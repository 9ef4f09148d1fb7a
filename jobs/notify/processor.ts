// Commission notifications: claim what is new for the influencer (exactly once), pace per destination,
// send, and record it. A 429 pauses the destination and delays the job without failing it; a gone
// destination ends the job and is marked broken so the influencer sees it in their next command answer.
import type { Job } from 'bullmq';
import type { Db } from '../../src/db/database.ts';
import type { Logger } from '../../src/log.ts';
import { claimNews, commissionCard, commissionNews } from '../../src/domain/notifications/commissionNotice.ts';
import { destinationKey, resolveDestination } from '../../src/domain/notifications/destination.ts';
import { markNotificationTargetBroken } from '../../src/domain/notificationPrefs.ts';
import type { Reply } from '../../src/reply.ts';
import type { QueuePayloads } from '../../src/queues.ts';
import type { DestinationGate } from './destinationGate.ts';
import { pacedDelivery } from './pacedDelivery.ts';
import { deliver, senderFor, type Senders } from './senders.ts';

export interface NotifyDeps {
  db: Db;
  gate: DestinationGate;
  senders: Senders;
  publicBaseUrl: string;
  log: Logger;
}

export function notificationKey(data: QueuePayloads['notify']): string {
  return data.window !== undefined ? `commission:w${data.window}:${data.influencerId}` : `commission:${data.ingestId}:${data.influencerId}`;
}

export function notifyProcessor(deps: NotifyDeps) {
  const { db, log } = deps;
  const finish = (key: string, status: 'sent' | 'skipped' | 'failed', extra: { message_id?: string; error?: string; platform?: string; destination?: string } = {}) =>
    db.updateTable('notification_deliveries').set({ status, sent_at: status === 'sent' ? new Date() : null, ...extra }).where('key', '=', key).execute();

  return async (job: Job<QueuePayloads['notify']>, token?: string) => {
    const { influencerId } = job.data;
    const key = notificationKey(job.data);
    const claim = await claimNews(db, influencerId, key);
    if (!claim) return { skipped: 'nothing new' };
    if (claim.status !== 'claimed') return { skipped: `already ${claim.status}` };

    const dest = await resolveDestination(db, influencerId);
    if (!dest || dest === 'off') {
      await finish(key, 'skipped', { error: dest === 'off' ? 'notifications are off' : 'no chat identity' });
      return { skipped: dest === 'off' ? 'off' : 'no destination' };
    }
    const destKey = destinationKey(dest);
    const onGone = async (reason: string) => {
      await markNotificationTargetBroken(db, influencerId, reason, dest);
      await finish(key, 'failed', { error: reason, platform: dest.platform, destination: destKey });
    };
    const compose = async (): Promise<Reply> => {
      const news = await commissionNews(db, influencerId, claim);
      return commissionCard(news, `${deps.publicBaseUrl}/s/${encodeURIComponent(news.handle)}`);
    };
    // What to say is read while the destination's turn comes.
    let composed: Reply | undefined;
    const prepare = async () => {
      composed = await compose();
    };
    return pacedDelivery(job, token, { gate: deps.gate, destination: destKey, log, onGone, prepare }, async (delivered) => {
      const sender = await senderFor(deps.senders, dest);
      // An earlier attempt may have sent the message and died before recording it: look before sending again.
      if (claim.attempts > 0 && sender.findSent) {
        const found = await sender.findSent(dest.channelId ? { channelId: dest.channelId } : { userId: dest.userId }, key);
        if (found) {
          await finish(key, 'sent', { message_id: found, platform: dest.platform, destination: destKey });
          return { sent: found, reconciled: true };
        }
      }
      await db.updateTable('notification_deliveries').set((eb) => ({ attempts: eb('attempts', '+', 1) })).where('key', '=', key).execute();
      const reply = composed ?? (await compose());
      const { messageId } = await deliver(sender, dest, reply, { idempotencyKey: key });
      await delivered();
      await finish(key, 'sent', { message_id: messageId, platform: dest.platform, destination: destKey });
      return { sent: messageId };
    });
  };
}
