// The one log line of a delivery job (a notification or a digest), the same shape for every kind so an operator
// reads them alike: what it was for, the job, the outcome, where it went and which attempt.
import type { Job } from 'bullmq';
import type { Logger } from '../../src/log.ts';
import { attemptNumber, type DeliveryOutcome } from './deliveryOutcome.ts';

/**
 * Logs `what` ("digest", "notification") with `outcome`: sent and skipped at info, gone (the destination is not
 * coming back) at warn, failed at error. `subject` names what was delivered (ids from the job's data).
 */
export function logDelivery(
  log: Logger,
  what: string,
  job: Pick<Job, 'id' | 'attemptsMade'>,
  outcome: DeliveryOutcome,
  subject: Record<string, unknown>,
  fields: { platform?: string | undefined },
): void {
  const line = { ...subject, jobId: job.id, outcome, platform: fields.platform ?? null, ...fields, attempts: attemptNumber(job) };
  if (outcome === 'sent') log.info(line, `${what} sent`);
  else if (outcome === 'skipped') log.info(line, `${what} skipped`);
  else if (outcome === 'gone') log.warn(line, `${what} given up`);
  else log.error(line, `${what} given up`);
}
