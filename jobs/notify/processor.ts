// Commission notifications: claim what is new for the influencer (exactly once), pace per destination,
// send, and record it. A 429 pauses the destination and delays the job without failing it; a gone
// destination ends the job and is marked broken so the influencer sees it in their next command answer.
import type { Job } from 'bullmq';
import type { Db } from '../../src/db/database.ts';
import type { Metrics } from '../../src/http/metrics.ts';
import type { Logger } from '../../src/log.ts';
import { claimNews, commissionNews } from '../../src/domain/notifications/commissionNotice.ts';
import { commissionCard } from '../../src/cards/notice.ts';
import { destinationKey, resolveDestination } from '../../src/domain/notifications/destination.ts';
import { markNotificationTargetBroken } from '../../src/domain/notificationPrefs.ts';
import type { Card } from '../../src/cards/card.ts';
import type { QueuePayloads } from '../../src/queues.ts';
import type { DestinationGate } from './destinationGate.ts';
import { attemptNumber, isLastAttempt, isPutBack, type DeliveryOutcome } from './deliveryOutcome.ts';
import { pacedDelivery } from './pacedDelivery.ts';
import { deliver, senderFor, type Senders } from './senders.ts';

export interface NotifyDeps {
  db: Db;
  gate: DestinationGate;
  senders: Senders;
  publicBaseUrl: string;
  /** An ingest whose lines are all older than this many days is told as a backfill summary (0: never). */
  backfillAgeDays: number;
  /** The clock the backfill age is measured with. */
  now?: () => Date;
  log: Logger;
  /** affiliate_notifications_total{outcome} */
  metrics?: Pick<Metrics, 'notifications'> | undefined;
}

export function notificationKey(data: QueuePayloads['notify']): string {
  return data.window !== undefined ? `commission:w${data.window}:${data.influencerId}` : `commission:${data.ingestId}:${data.influencerId}`;
}

export function notifyProcessor(deps: NotifyDeps) {
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

  // One line and one count per notification that was sent or given up (or skipped for a reason worth knowing).
  const report = (
    job: Job<QueuePayloads['notify']>,
    outcome: DeliveryOutcome,
    fields: { platform?: string | undefined; messageId?: string; reason?: string; reconciled?: boolean },
  ) => {
    deps.metrics?.notifications.inc({ outcome });
    const line = {
      influencerId: job.data.influencerId,
      ingestId: job.data.ingestId,
      window: job.data.window,
      jobId: job.id,
      outcome,
      platform: fields.platform ?? null,
      ...fields,
      attempts: attemptNumber(job),
    };
    if (outcome === 'sent') log.info(line, 'notification sent');
    else if (outcome === 'skipped') log.info(line, 'notification skipped');
    else if (outcome === 'gone') log.warn(line, 'notification given up');
    else log.error(line, 'notification given up');
  };

  const run = async (job: Job<QueuePayloads['notify']>, token: string | undefined, seen: { platform?: string; gone?: string }) => {
    const { influencerId } = job.data;
    const key = notificationKey(job.data);
    const claim = await claimNews(db, influencerId, key);
    // Nothing to say, or said already (a duplicate job): counted, not worth a line.
    if (!claim) {
      deps.metrics?.notifications.inc({ outcome: 'skipped' });
      log.debug({ influencerId, jobId: job.id }, 'notification skipped: nothing new');
      return { skipped: 'nothing new' };
    }
    if (claim.status !== 'claimed') {
      deps.metrics?.notifications.inc({ outcome: 'skipped' });
      log.debug({ influencerId, jobId: job.id, status: claim.status }, 'notification skipped: already handled');
      return { skipped: `already ${claim.status}` };
    }

    const dest = await resolveDestination(db, influencerId);
    if (!dest || dest === 'off') {
      const reason = dest === 'off' ? 'notifications are off' : 'no chat identity';
      await finish(key, 'skipped', { error: reason });
      report(job, 'skipped', { reason });
      return { skipped: dest === 'off' ? 'off' : 'no destination' };
    }
    seen.platform = dest.platform;
    const destKey = destinationKey(dest);
    const onGone = async (reason: string) => {
      seen.gone = reason;
      await markNotificationTargetBroken(db, influencerId, reason, dest);
      await finish(key, 'failed', { error: reason, platform: dest.platform, destination: destKey });
    };
    const compose = async (): Promise<Card> => {
      const news = await commissionNews(db, influencerId, claim, { backfillAgeDays: deps.backfillAgeDays, now: deps.now?.() ?? new Date() });
      return commissionCard(news, `${deps.publicBaseUrl}/s/${encodeURIComponent(news.handle)}`);
    };
    // What to say is read while the destination's turn comes.
    let composed: Card | undefined;
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
          report(job, 'sent', { platform: dest.platform, messageId: found, reconciled: true });
          return { sent: found, reconciled: true };
        }
      }
      await db
        .updateTable('notification_deliveries')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('key', '=', key)
        .execute();
      const reply = composed ?? (await compose());
      const { messageId } = await deliver(sender, dest, reply, { idempotencyKey: key });
      await delivered();
      await finish(key, 'sent', { message_id: messageId, platform: dest.platform, destination: destKey });
      report(job, 'sent', { platform: dest.platform, messageId });
      return { sent: messageId };
    });
  };

  return async (job: Job<QueuePayloads['notify']>, token?: string) => {
    const seen: { platform?: string; gone?: string } = {};
    try {
      return await run(job, token, seen);
    } catch (err) {
      if (seen.gone !== undefined) report(job, 'gone', { platform: seen.platform, reason: seen.gone });
      else if (!isPutBack(err) && isLastAttempt(job, err)) report(job, 'failed', { platform: seen.platform, reason: (err as Error).message });
      throw err;
    }
  };
}
