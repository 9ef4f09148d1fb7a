// The part of every outbound delivery job that is about the destination, not the message: wait for the
// destination's turn, then on a 429 pause the destination and put the job back (not a failure), and on a
// destination that is gone end the job for good after the caller has recorded why.
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { asDestinationGone, asRateLimited } from '../../src/delivery.ts';
import type { Logger } from '../../src/log.ts';
import type { DestinationGate } from './destinationGate.ts';

export async function pacedDelivery<T>(
  job: Job,
  token: string | undefined,
  opts: { gate: DestinationGate; destination: string; log: Logger; onGone(reason: string): Promise<void> },
  work: () => Promise<T>,
): Promise<T> {
  const waitMs = await opts.gate.wait(opts.destination);
  if (waitMs > 0) {
    await job.moveToDelayed(Date.now() + waitMs, token);
    throw new DelayedError();
  }
  try {
    return await work();
  } catch (err) {
    const limited = asRateLimited(err);
    if (limited) {
      await opts.gate.pause(opts.destination, limited.retryAfterMs);
      opts.log.info({ destination: opts.destination, retryAfterMs: limited.retryAfterMs }, 'destination rate limited; job delayed');
      await job.moveToDelayed(Date.now() + limited.retryAfterMs, token);
      throw new DelayedError();
    }
    const gone = asDestinationGone(err);
    if (gone) {
      await opts.onGone(gone.reason);
      opts.log.warn({ destination: opts.destination, reason: gone.reason, jobId: job.id }, 'destination is gone; job ended');
      throw new UnrecoverableError(`Destination ${opts.destination} is gone: ${gone.reason}`);
    }
    throw err;
  }
}
