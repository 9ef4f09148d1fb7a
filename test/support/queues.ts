// Awaiting the queues instead of the clock: once nothing is waiting, delayed or running, every job the test set
// off has run, so a message that was going to be sent has been, and "nothing more was sent" can be checked.
import type { Queue } from 'bullmq';
import type { QueueName, Queues } from '../../src/queues.ts';
import { waitFor } from './wait.ts';

const UNFINISHED = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

/** Resolves once the named queues hold no unfinished job. */
export async function queuesSettled(queues: Queues, names: QueueName[], timeoutMs = 20_000): Promise<void> {
  await waitFor(
    async () => {
      const counts = await Promise.all(names.map((n) => queues[n].getJobCounts(...UNFINISHED)));
      return Object.fromEntries(names.map((n, i) => [n, Object.values(counts[i]!).reduce((a, b) => a + b, 0)]));
    },
    (pending) => Object.values(pending).every((n) => n === 0),
    timeoutMs,
  );
}

/** Resolves with the job's final state once it has completed or failed. */
export async function jobFinished(queue: Queue, jobId: string, timeoutMs = 20_000): Promise<string> {
  const { state } = await waitFor(
    async () => ({ state: (await (await queue.getJob(jobId))?.getState()) ?? 'missing' }),
    (r) => r.state === 'completed' || r.state === 'failed',
    timeoutMs,
  );
  return state;
}
