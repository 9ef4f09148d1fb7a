// Slack request signing: v0 HMAC-SHA256 of "v0:{timestamp}:{raw body}", compared in constant time, and
// timestamps more than five minutes away refused. Replays inside that window are caught by SeenOnce.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

export const MAX_REQUEST_AGE_SECONDS = 5 * 60;

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing headers' | 'bad timestamp' | 'stale timestamp' | 'bad signature' };

export function signSlackRequest(secret: string, timestamp: number | string, rawBody: string | Buffer): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`;
}

export function checkSlackSignature(
  secret: string,
  rawBody: Buffer,
  timestampHeader: string | undefined,
  signatureHeader: string | undefined,
  nowMs: number = Date.now(),
): SignatureCheck {
  if (!timestampHeader || !signatureHeader) return { ok: false, reason: 'missing headers' };
  if (!/^\d{1,12}$/.test(timestampHeader)) return { ok: false, reason: 'bad timestamp' };
  const age = Math.floor(nowMs / 1000) - Number(timestampHeader);
  if (Math.abs(age) > MAX_REQUEST_AGE_SECONDS) return { ok: false, reason: 'stale timestamp' };
  const expected = Buffer.from(signSlackRequest(secret, timestampHeader, rawBody));
  const given = Buffer.from(signatureHeader);
  // Equal lengths first: timingSafeEqual throws otherwise; the length of a v0 signature is public anyway.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad signature' };
  return { ok: true };
}

/**
 * "Have we seen this key before?" across processes (Redis SET NX EX) and, always, in this process (LRU),
 * so replays are still refused while Redis is away. The Redis connection is the runtime's fail-fast one.
 */
export class SeenOnce {
  private readonly memory: LRUCache<string, true>;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly ttlSeconds: number,
    maxInMemory = 50_000,
  ) {
    this.memory = new LRUCache<string, true>({ max: maxInMemory, ttl: ttlSeconds * 1000 });
  }

  /** True the first time a key is offered within the TTL, false for every repeat. */
  async first(key: string): Promise<boolean> {
    if (this.memory.has(key)) return false;
    this.memory.set(key, true);
    try {
      return (await this.redis.set(`${this.keyPrefix}${key}`, '1', 'EX', this.ttlSeconds, 'NX')) === 'OK';
    } catch {
      return true; // Redis unavailable: the in-process memory above is the guard for now
    }
  }
}
