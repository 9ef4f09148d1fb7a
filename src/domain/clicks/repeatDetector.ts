// Marks a click as a repeat when the same visitor clicked the same link within the last hour.
// Redis makes this hold across web processes; if Redis is down, an in-process memory keeps working alone.
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

export const REPEAT_WINDOW_SECONDS = 3600;

export class RepeatDetector {
  private readonly local = new LRUCache<string, true>({ max: 100_000, ttl: REPEAT_WINDOW_SECONDS * 1000 });

  constructor(
    private readonly redis: Redis | undefined,
    private readonly prefix: string,
  ) {}

  /** For each key, true when it was already seen within the window (the first sighting marks it). */
  async seen(keys: string[]): Promise<boolean[]> {
    if (keys.length === 0) return [];
    if (this.redis && this.redis.status === 'ready') {
      try {
        const pipeline = this.redis.pipeline();
        for (const key of keys) pipeline.set(`${this.prefix}:rc:${key}`, '1', 'EX', REPEAT_WINDOW_SECONDS, 'NX');
        const results = (await pipeline.exec()) ?? [];
        return keys.map((key, i) => {
          const [err, value] = results[i] ?? [new Error('no result'), null];
          const repeat = err ? this.local.has(key) : value === null;
          this.local.set(key, true);
          return repeat;
        });
      } catch {
        // fall through to local memory
      }
    }
    return keys.map((key) => {
      const repeat = this.local.has(key);
      this.local.set(key, true);
      return repeat;
    });
  }
}
