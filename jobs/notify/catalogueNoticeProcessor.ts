// Link-health notices (queue catalogue-notice): after a catalogue run, each influencer with products that stopped
// being buyable gets one message listing them. Claimed exactly once (linkHealth.claimHealthNotice), paced per
// destination, sent and recorded like commission notices (same destination choice, same "off").
import type { Job } from 'bullmq';
import type { Db } from '../../src/db/database.ts';
import type { Logger } from '../../src/log.ts';
import { unavailableProductsCard } from '../../src/cards/catalogueNotice.ts';
import { claimHealthNotice, healthNews, pendingHealthNotices } from '../../src/domain/catalogue/linkHealth.ts';
import type { QueuePayloads, Queues } from '../../src/queues.ts';
import type { DestinationGate } from './destinationGate.ts';
import { sendClaimed } from './claimedDelivery.ts';
import { noticeDestination } from './noticeDestination.ts';
import type { Senders } from './senders.ts';

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
  return async (job: Job<QueuePayloads['catalogue-notice']>, token?: string) => {
    const { influencerId, upTo } = job.data;
    const claim = await claimHealthNotice(db, influencerId, upTo);
    if (!claim) return { skipped: 'nothing new' };
    if (claim.status !== 'claimed') return { skipped: `already ${claim.status}` };
    const { key } = claim;
    const dest = await noticeDestination(db, influencerId, key);
    if ('skipped' in dest) {
      log.info({ influencerId, key, reason: dest.skipped }, 'catalogue notice skipped');
      return { skipped: dest.skipped };
    }
    const news = async () => {
      const found = await healthNews(db, key);
      if (!found) throw new Error(`catalogue notice ${key} has no products`);
      return found;
    };
    return sendClaimed(
      deps,
      job,
      token,
      { key, influencerId, attempts: claim.attempts, dest, news, card: unavailableProductsCard },
      {
        gone: (reason) => log.warn({ influencerId, key, reason }, 'catalogue notice given up'),
        sent: (messageId, reconciled) => {
          if (!reconciled) log.info({ influencerId, key, platform: dest.platform, messageId }, 'catalogue notice sent');
        },
      },
    );
  };
}
