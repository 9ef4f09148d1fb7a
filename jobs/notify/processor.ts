// Commission notifications: claim what is new for the influencer (exactly once), pace per destination,
// send, and record it. A 429 pauses the destination and delays the job without failing it; a gone
// destination ends the job and is marked broken so the influencer sees it in their next command answer.
import type { Job } from 'bullmq';
import type { Db } from '../../src/db/database.ts';
import type { Metrics } from '../../src/http/metrics.ts';
import type { Logger } from '../../src/log.ts';
import { claimNews, commissionNews } from '../../src/domain/notifications/commissionNotice.ts';
import { commissionCard } from '../../src/cards/notice.ts';
import { resolveDestination } from '../../src/domain/notifications/destination.ts';
import type { Card } from '../../src/cards/card.ts';
import type { QueuePayloads } from '../../src/queues.ts';
import type { DestinationGate } from './destinationGate.ts';
import { attemptNumber, isLastAttempt, isPutBack, type DeliveryOutcome } from './deliveryOutcome.ts';
import { finishDelivery } from '../../src/domain/notifications/deliveries.ts';
import { sendClaimed } from './claimedDelivery.ts';
import type { Senders } from './senders.ts';

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
      await finishDelivery(db, key, 'skipped', { error: reason });
      report(job, 'skipped', { reason });
      return { skipped: dest === 'off' ? 'off' : 'no destination' };
    }
    seen.platform = dest.platform;
    const compose = async (): Promise<Card> => {
      const news = await commissionNews(db, influencerId, claim, { backfillAgeDays: deps.backfillAgeDays, now: deps.now?.() ?? new Date() });
      return commissionCard(news, `${deps.publicBaseUrl}/s/${encodeURIComponent(news.handle)}`);
    };
    return sendClaimed(
      deps,
      job,
      token,
      { key, influencerId, attempts: claim.attempts, dest, compose },
      {
        gone: (reason) => {
          seen.gone = reason;
        },
        sent: (messageId, reconciled) => report(job, 'sent', { platform: dest.platform, messageId, ...(reconciled ? { reconciled } : {}) }),
      },
    );
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
