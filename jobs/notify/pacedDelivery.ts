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
  opts: {
    gate: DestinationGate;
    destination: string;
    log: Logger;
    onGone(reason: string): Promise<void>;
    /** Work that needs no turn (reading what to say), done while the turn comes; not run when the job is put back. */
    prepare?: () => Promise<void>;
  },
  /** Sends; calls delivered() as soon as the platform has answered, so the destination's next interval starts then. */
  work: (delivered: () => Promise<void>) => Promise<T>,
): Promise<T> {
  // A near turn is waited for here; a far one puts the job back until about then.
  const waitMs = await opts.gate.turn(opts.destination, `${job.queueName}:${job.id}`, opts.prepare);
  if (waitMs > 0) {
    await job.moveToDelayed(Date.now() + waitMs, token);
    throw new DelayedError();
  }
  let marked = false;
  const delivered = async () => {
    if (marked) return;
    marked = true;
    await opts.gate.sent(opts.destination);
  };
  try {
    return await work(delivered);
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
      // The caller records why and logs its one "… given up" line.
      await opts.onGone(gone.reason);
      throw new UnrecoverableError(`Destination ${opts.destination} is gone: ${gone.reason}`);
    }
    throw err;
  } finally {
    // The next send at this destination waits a full interval from the end of this one, however long it took.
    await delivered();
  }
}
