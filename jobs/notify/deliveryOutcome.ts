// What became of a delivery job (a notification or a digest), for its one log line and its counter.
import type { Job } from 'bullmq';

export type DeliveryOutcome = 'sent' | 'skipped' | 'failed' | 'gone';

/** The job was put back to wait for its destination's turn or a 429's Retry-After: not a failure, nothing to report. */
export function isPutBack(err: unknown): boolean {
  return (err as Error | undefined)?.name === 'DelayedError';
}

/** Inside the processor: whether this failure ends the job (no retry follows). */
export function isLastAttempt(job: Pick<Job, 'attemptsMade' | 'opts'>, err: unknown): boolean {
  return (err as Error | undefined)?.name === 'UnrecoverableError' || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/** This attempt's number (BullMQ counts attempts that ended; this one has not yet). */
export function attemptNumber(job: Pick<Job, 'attemptsMade'>): number {
  return job.attemptsMade + 1;
}
