import { Redis, type RedisOptions } from 'ioredis';

/** Connection for BullMQ workers and queues: blocking commands must never time out client-side. */
export function createQueueConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

/**
 * What every connection that answers someone shares: a command fails at once while Redis is away (no offline queue)
 * and reconnecting goes on in the background, backing off to every 2 s.
 */
const FAIL_FAST: RedisOptions = {
  enableOfflineQueue: false,
  connectTimeout: 2000,
  retryStrategy: (times) => Math.min(times * 200, 2000),
};

/**
 * Connection for the redirect path's link cache and click dedupe: fail fast when Redis is away
 * (no offline queue, short timeouts), so redirects fall back to memory and Postgres instead of waiting.
 */
export function createCacheConnection(url: string): Redis {
  return new Redis(url, { ...FAIL_FAST, maxRetriesPerRequest: 0, commandTimeout: 250 });
}

/**
 * Connection for producers that answer a person (the feeds API queueing an upload): no offline queue, so while Redis
 * is away `add` fails at once instead of waiting for a reconnect and then adding the job after the caller was told
 * it failed. BullMQ allows this on a Queue (never on a Worker).
 */
export function createProducerConnection(url: string): Redis {
  return new Redis(url, { ...FAIL_FAST, maxRetriesPerRequest: 1, commandTimeout: 1500 });
}
