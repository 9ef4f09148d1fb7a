import { Redis } from 'ioredis';

/** Connection for BullMQ workers and queues: blocking commands must never time out client-side. */
export function createQueueConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

/**
 * Connection for the redirect path's link cache and click dedupe: fail fast when Redis is away
 * (no offline queue, short timeouts), so redirects fall back to memory and Postgres instead of waiting.
 */
export function createCacheConnection(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 250,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}
