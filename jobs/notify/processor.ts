// Commission notifications: claim what is new for the influencer (exactly once), pace per destination,
// send, and record it. A 429 pauses the destination and delays the job without failing it; a gone
// destination ends the job and is marked broken so the influencer sees it in their next command answer.
import type { Job } from 'bullmq';
import type { Db } from '../../src/db/database.ts';
import type { Metrics } from '../../src/http/metrics.ts';
import type { Logger } from '../../src/log.ts';
import { claimNews, commissionNews } from '../../src/domain/notifications/commissionNotice.ts';
import { commissionCard } from '../../src/cards/notice.ts';
import type { QueuePayloads } from '../../src/queues.ts';
import type { DestinationGate } from './destinationGate.ts';
import { isLastAttempt, isPutBack, type DeliveryOutcome } from './deliveryOutcome.ts';
import { sendClaimed } from './claimedDelivery.ts';
import { logDelivery } from './deliveryLog.ts';
import { noticeDestination } from './noticeDestination.ts';
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
    const { influencerId, ingestId, window } = job.data;
    logDelivery(log, 'notification', job, outcome, { influencerId, ingestId, window }, fields);
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

    const dest = await noticeDestination(db, influencerId, key);
    if ('skipped' in dest) {
      report(job, 'skipped', { reason: dest.skipped });
      return { skipped: dest.skipped === 'notifications are off' ? 'off' : 'no destination' };
    }
    seen.platform = dest.platform;
    const news = () => commissionNews(db, influencerId, claim, { backfillAgeDays: deps.backfillAgeDays, now: deps.now?.() ?? new Date() });
    return sendClaimed(
      deps,
      job,
      token,
      { key, influencerId, attempts: claim.attempts, dest, news, card: commissionCard },
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
