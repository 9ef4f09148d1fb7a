// Digest jobs. The tick (every minute, a BullMQ job scheduler) queues each due digest under a job id of
// subscription + local day, so every worker process may tick and each digest is still queued once. The
// digest job claims its delivery record before sending, so retries and a second worker never send twice.
import { UnrecoverableError, type Job } from 'bullmq';
import type { Db } from '../../src/db/database.ts';
import type { Card } from '../../src/cards/card.ts';
import { claimDigestDelivery, findDigestSubscriptionTarget, markDigestSent } from '../../src/domain/digest/digestDeliveries.ts';
import { countDeliveryAttempt, finishDelivery } from '../../src/domain/notifications/deliveries.ts';
import { destinationKey, type Destination } from '../../src/domain/notifications/destination.ts';
import type { Metrics } from '../../src/http/metrics.ts';
import type { Logger } from '../../src/log.ts';
import type { QueuePayloads, Queues } from '../../src/queues.ts';
import type { DestinationGate } from '../notify/destinationGate.ts';
import { isLastAttempt, isPutBack, type DeliveryOutcome } from '../notify/deliveryOutcome.ts';
import { logDelivery } from '../notify/deliveryLog.ts';
import { pacedDelivery } from '../notify/pacedDelivery.ts';
import { deliver, senderFor, type Senders } from '../notify/senders.ts';
import { dueDigests } from './dueDigests.ts';

/** The digest card; its chart and CSV elements travel with it as attachments. */
export type ComposeDigest = (db: Db, organisationId: number, timezone: string, now: Date) => Promise<Card>;

export function digestTickProcessor(deps: { db: Db; queues: Pick<Queues, 'digest'>; now?: () => Date; log?: Logger }) {
  return async () => {
    const due = await dueDigests(deps.db, deps.now?.() ?? new Date());
    await deps.queues.digest.addBulk(due.map((d) => ({ name: 'digest', data: d, opts: { jobId: `digest-${d.subscriptionId}-${d.localDate}` } })));
    // Most ticks find nothing due: those stay quiet.
    if (due.length > 0) deps.log?.info({ queued: due.length, subscriptionIds: due.map((d) => d.subscriptionId) }, 'digests queued');
    return { queued: due.length };
  };
}

export interface DigestDeps {
  db: Db;
  /** The digest's figures are read here (the read replica, DATABASE_READ_URL); defaults to `db`. */
  readDb?: Db | undefined;
  gate: DestinationGate;
  senders: Senders;
  compose: ComposeDigest;
  log: Logger;
  now?: () => Date;
  /** affiliate_digests_total{outcome} */
  metrics?: Pick<Metrics, 'digests'> | undefined;
}

export function digestProcessor(deps: DigestDeps) {
  const { db, log } = deps;
  // One line and one count per digest sent, skipped or given up.
  const report = (
    job: Job<QueuePayloads['digest']>,
    outcome: DeliveryOutcome,
    fields: { organisationId: number | null; platform?: string | undefined; messageId?: string; reason?: string },
  ) => {
    deps.metrics?.digests.inc({ outcome });
    logDelivery(log, 'digest', job, outcome, { subscriptionId: job.data.subscriptionId, localDate: job.data.localDate }, fields);
  };

  const run = async (
    job: Job<QueuePayloads['digest']>,
    token: string | undefined,
    seen: { organisationId: number | null; platform?: string; gone?: string },
  ) => {
    const { subscriptionId, localDate } = job.data;
    const key = `digest:${subscriptionId}:${localDate}`;
    const sub = await findDigestSubscriptionTarget(db, subscriptionId);
    if (!sub) throw new UnrecoverableError(`Digest subscription ${subscriptionId} does not exist`);
    seen.organisationId = sub.organisationId;
    const delivery = await claimDigestDelivery(db, key, subscriptionId);
    if (delivery.status !== 'claimed') {
      // A duplicate (a manager's /digest now, a second worker): counted, not worth a line.
      deps.metrics?.digests.inc({ outcome: 'skipped' });
      log.debug({ subscriptionId, localDate, jobId: job.id, status: delivery.status }, 'digest skipped: already handled');
      return { skipped: `already ${delivery.status}` };
    }
    if (!sub.enabled) {
      await finishDelivery(db, key, 'skipped', { error: 'unsubscribed' });
      report(job, 'skipped', { organisationId: sub.organisationId, reason: 'unsubscribed' });
      return { skipped: 'unsubscribed' };
    }
    const dest: Destination = sub.destination;
    const destKey = destinationKey(dest);
    seen.platform = dest.platform;
    const onGone = async (reason: string) => {
      seen.gone = reason;
      await finishDelivery(db, key, 'failed', { error: reason, platform: dest.platform, destination: destKey });
    };
    return pacedDelivery(job, token, { gate: deps.gate, destination: destKey, log, onGone }, async () => {
      const sender = await senderFor(deps.senders, dest);
      if (delivery.attempts > 0 && sender.findSent) {
        const found = await sender.findSent(dest.channelId ? { channelId: dest.channelId } : { userId: dest.userId }, key);
        if (found) return done(found);
      }
      await countDeliveryAttempt(db, key);
      const card = await deps.compose(deps.readDb ?? db, sub.organisationId, sub.timezone, deps.now?.() ?? new Date());
      const { messageId } = await deliver(sender, dest, card, { idempotencyKey: key });
      return done(messageId);
    });

    // Both at once: nobody (the tick, a manager's /digest, a retry) sees the delivery sent but the day not marked.
    async function done(messageId: string) {
      await markDigestSent(db, { key, subscriptionId, localDate, messageId, platform: dest.platform, destination: destKey });
      report(job, 'sent', { organisationId: seen.organisationId, platform: dest.platform, messageId });
      return { sent: messageId };
    }
  };

  return async (job: Job<QueuePayloads['digest']>, token?: string) => {
    const seen: { organisationId: number | null; platform?: string; gone?: string } = { organisationId: null };
    try {
      return await run(job, token, seen);
    } catch (err) {
      if (seen.gone !== undefined) report(job, 'gone', { organisationId: seen.organisationId, platform: seen.platform, reason: seen.gone });
      else if (!isPutBack(err) && isLastAttempt(job, err))
        report(job, 'failed', { organisationId: seen.organisationId, platform: seen.platform, reason: (err as Error).message });
      throw err;
    }
  };
}
