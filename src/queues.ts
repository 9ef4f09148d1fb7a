// Every BullMQ queue, its name and its payload type, declared once for producers and workers alike.
import type { Redis } from 'ioredis';
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';

export interface QueuePayloads {
  /** Parse a stored report file into the ledger. */
  ingest: { ingestId: string };
  /** Poll one feed source's URL and ingest what it returns. */
  'feed-poll': { feedSourceId: number };
  /**
   * Tell an influencer what is new in their ledger: after a report ingest (ingestId), or for a window of
   * trickling postbacks (window = the bucket number), so a live trickle becomes one message per window.
   */
  notify: { influencerId: number; ingestId?: string; window?: number };
  /** Send one manager's digest for one local day. */
  digest: { subscriptionId: number; localDate: string };
  /** Every minute: queue the digests that are due (local time reached, not yet sent for that local day). */
  'digest-tick': Record<string, never>;
  /** Bring the earnings rollups up to date with the ledger (after an ingest, and every minute). */
  'earnings-rollup': { ingestId?: string };
  /** Every few seconds: bring the click rollups up to date with the clicks written since. */
  'click-rollup': Record<string, never>;
  /** Every hour: create the coming months' click partitions, drop those past CLICK_RETENTION_DAYS. */
  'click-partitions': Record<string, never>;
  /** Every RECONCILE_EVERY_MS: ingests whose job Redis lost are queued again, those whose job gave up marked failed. */
  reconcile: Record<string, never>;
  /** Fetch a product just added to a storefront from the Creators API (job id product-<id>: adds collapse). */
  'catalogue-fill': { productId: number };
  /** Every few minutes: fetch the catalogue products that are due, in batches of 10 within the request budget. */
  'catalogue-refresh': Record<string, never>;
  /** Tell an influencer which of their products stopped being buyable (alerts up to id upTo): one message per run. */
  'catalogue-notice': { influencerId: number; upTo: number };
}

export type QueueName = keyof QueuePayloads;
export const QUEUE_NAMES = [
  'ingest',
  'feed-poll',
  'notify',
  'digest',
  'digest-tick',
  'earnings-rollup',
  'click-rollup',
  'click-partitions',
  'reconcile',
  'catalogue-fill',
  'catalogue-refresh',
  'catalogue-notice',
] as const satisfies readonly QueueName[];

const defaults: Record<QueueName, JobsOptions> = {
  ingest: { attempts: 3, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: { age: 7 * 86400 }, removeOnFail: { age: 30 * 86400 } },
  'feed-poll': { attempts: 3, backoff: { type: 'exponential', delay: 30_000 }, removeOnComplete: { count: 1000 }, removeOnFail: { count: 5000 } },
  notify: { attempts: 8, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: { age: 7 * 86400 }, removeOnFail: { age: 30 * 86400 } },
  digest: { attempts: 5, backoff: { type: 'exponential', delay: 10_000 }, removeOnComplete: { age: 7 * 86400 }, removeOnFail: { age: 30 * 86400 } },
  'digest-tick': { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
  'earnings-rollup': { attempts: 3, backoff: { type: 'exponential', delay: 10_000 }, removeOnComplete: { count: 100 }, removeOnFail: { count: 1000 } },
  'click-rollup': { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 1000 } },
  'click-partitions': { attempts: 3, backoff: { type: 'exponential', delay: 60_000 }, removeOnComplete: { count: 100 }, removeOnFail: { count: 1000 } },
  reconcile: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
  // Removed once done, so a product added again later is fetched again if its data is due; failures are recorded
  // on the catalogue and its credential, and the refresh retries them.
  'catalogue-fill': { attempts: 1, removeOnComplete: true, removeOnFail: { count: 1000 } },
  'catalogue-refresh': { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
  'catalogue-notice': { attempts: 8, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: { age: 7 * 86400 }, removeOnFail: { age: 30 * 86400 } },
};

export type Queues = { [N in QueueName]: Queue<QueuePayloads[N], unknown, string> };

/** One queue with its default job options. */
function createQueue<N extends QueueName>(
  name: N,
  connection: ConnectionOptions,
  prefix: string,
  onError: (err: Error, queue: QueueName) => void = () => undefined,
): Queues[N] {
  const q = new Queue<QueuePayloads[N], unknown, string>(name, { connection, prefix, defaultJobOptions: defaults[name] });
  // Without a listener BullMQ prints every reconnect failure to stderr; route them to our logger instead.
  q.on('error', (err) => onError(err, name));
  return q as Queues[N];
}

/**
 * The ingest queue of the feeds API, on its fail-fast producer connection (src/redis.ts createProducerConnection).
 * BullMQ checks the Redis version once, when a queue starts, and keeps that check's outcome for the queue's life: on
 * a connection without an offline queue, a Redis that went away or stalled during that one INFO left the queue
 * refusing every upload until the process restarted (the feeds API answered 503 long after Redis was back). The
 * version is checked by the process's other queues on the main connection, so this one skips it.
 */
export function createProducerQueue(connection: Redis, prefix: string, onError: (err: Error) => void): Queues['ingest'] {
  const q = new Queue<QueuePayloads['ingest'], unknown, string>('ingest', { connection, prefix, defaultJobOptions: defaults.ingest, skipVersionCheck: true });
  q.on('error', onError);
  return q;
}

export function createQueues(connection: ConnectionOptions, prefix: string, onError: (err: Error, queue: QueueName) => void = () => undefined): Queues {
  const make = <N extends QueueName>(name: N) => createQueue(name, connection, prefix, onError);
  return {
    ingest: make('ingest'),
    'feed-poll': make('feed-poll'),
    notify: make('notify'),
    digest: make('digest'),
    'digest-tick': make('digest-tick'),
    'earnings-rollup': make('earnings-rollup'),
    'click-rollup': make('click-rollup'),
    'click-partitions': make('click-partitions'),
    reconcile: make('reconcile'),
    'catalogue-fill': make('catalogue-fill'),
    'catalogue-refresh': make('catalogue-refresh'),
    'catalogue-notice': make('catalogue-notice'),
  };
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}
