// Code → destination lookups for the redirect path: in-process LRU, then Redis, then Postgres.
// A warm hit touches no I/O at all; unknown codes are remembered briefly so random probing cannot hammer the database.
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Db } from '../db/database.ts';
import { isTaggedAmazonUrl } from '../domain/amazon/taggedUrl.ts';
import { findRedirectTarget, type RedirectTarget } from '../domain/links.ts';

const MISSING = { linkId: 0, destination: '' } satisfies RedirectTarget;
const REDIS_TTL_SECONDS = 24 * 3600;

export class LinkCache {
  private readonly memory = new LRUCache<string, RedirectTarget>({ max: 100_000, ttl: 10 * 60_000, updateAgeOnGet: false });
  private readonly inflight = new Map<string, Promise<RedirectTarget | undefined>>();

  constructor(
    private readonly db: Db,
    private readonly redis: Redis | undefined,
    private readonly prefix: string,
  ) {}

  /** Synchronous warm path; undefined means "not in memory", MISSING-shaped entries mean "known unknown". */
  peek(code: string): RedirectTarget | null | undefined {
    const hit = this.memory.get(code);
    if (hit === undefined) return undefined;
    return hit.linkId === 0 ? null : hit;
  }

  async lookup(code: string): Promise<RedirectTarget | undefined> {
    const known = this.peek(code);
    if (known !== undefined) return known ?? undefined;
    let pending = this.inflight.get(code);
    if (!pending) {
      pending = this.load(code).finally(() => this.inflight.delete(code));
      this.inflight.set(code, pending);
    }
    return pending;
  }

  private async load(code: string): Promise<RedirectTarget | undefined> {
    const key = `${this.prefix}:link:${code}`;
    if (this.redis?.status === 'ready') {
      try {
        const cached = await this.redis.get(key);
        if (cached) {
          const target = JSON.parse(cached) as RedirectTarget;
          if (isTaggedAmazonUrl(target.destination)) {
            this.memory.set(code, target);
            return target;
          }
        }
      } catch {
        // Redis is away: Postgres still answers.
      }
    }
    const target = await findRedirectTarget(this.db, code);
    if (!target || !isTaggedAmazonUrl(target.destination)) {
      this.memory.set(code, MISSING, { ttl: 30_000 });
      return undefined;
    }
    this.memory.set(code, target);
    if (this.redis?.status === 'ready') this.redis.set(key, JSON.stringify(target), 'EX', REDIS_TTL_SECONDS).catch(() => undefined);
    return target;
  }

  /** Preload after a link is created so its first click is already warm. */
  remember(code: string, target: RedirectTarget): void {
    this.memory.set(code, target);
  }

  forget(code: string): void {
    this.memory.delete(code);
    this.redis?.del(`${this.prefix}:link:${code}`).catch(() => undefined);
  }
}
