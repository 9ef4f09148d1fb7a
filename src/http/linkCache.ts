// Code → destination lookups for the redirect path: in-process LRU, then Redis, then Postgres.
// A warm hit touches no I/O at all; unknown codes are remembered briefly so random probing cannot hammer the database.
// Entries in Redis carry an HMAC over the code and the entry, so whoever can write to Redis cannot change where a code
// leads (another destination, another code's entry): an entry that does not verify is a miss, read from Postgres,
// and logged once per code. Only verified entries reach the in-process LRU, so a warm hit computes no HMAC.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Db } from '../db/database.ts';
import { isTaggedAmazonUrl } from '../domain/amazon/taggedUrl.ts';
import { findRedirectTarget, ownerHandleOfCode, type RedirectTarget } from '../domain/links/links.ts';
import type { Logger } from '../log.ts';
import { unlessStalled } from '../connectionState.ts';

const MISSING = { linkId: 0, destination: '' } satisfies RedirectTarget;
const REDIS_TTL_SECONDS = 24 * 3600;
// m1:<key id>:<HMAC-SHA256, base64url>:<JSON of the target>
const ENTRY_VERSION = 'm1';
const MAC_LENGTH = 43;

export interface LinkCacheMac {
  /** HMAC key: derived from ENCRYPTION_KEY with HKDF and the label "link-cache-mac/v1" (SecretBox.deriveKey). */
  key: Buffer;
  /** Id of the key it was derived from: entries written under another key (before a rotation) are quiet misses. */
  keyId: string;
}

export class LinkCache {
  private readonly memory = new LRUCache<string, RedirectTarget>({ max: 100_000, ttl: 10 * 60_000, updateAgeOnGet: false });
  private readonly inflight = new Map<string, Promise<RedirectTarget | undefined>>();
  /** Codes whose Redis entry failed its MAC, already logged by this process. */
  private readonly tampered = new LRUCache<string, true>({ max: 10_000 });
  /** Handles behind codes that lead nowhere, for their 404 page (404s come in bursts: a removed link still shared). */
  private readonly owners = new LRUCache<string, { handle: string | null }>({ max: 5000, ttl: 60_000 });

  constructor(
    private readonly db: Db,
    private readonly redis: Redis | undefined,
    private readonly prefix: string,
    private readonly mac: LinkCacheMac,
    private readonly log?: Logger,
    private readonly opts: { lookupTimeoutMs?: number } = {},
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
        const target = cached ? this.verified(code, cached) : undefined;
        if (target) {
          this.memory.set(code, target);
          return target;
        }
      } catch {
        // Redis is away: Postgres still answers.
      }
    }
    const target = await this.fromPostgres(code);
    if (!target || !isTaggedAmazonUrl(target.destination)) {
      this.memory.set(code, MISSING, { ttl: 30_000 });
      return undefined;
    }
    this.memory.set(code, target);
    if (this.redis?.status === 'ready') this.redis.set(key, this.signed(code, target), 'EX', REDIS_TTL_SECONDS).catch(() => undefined);
    return target;
  }

  /**
   * Bounded by lookupTimeoutMs: past it the lookup fails as a connection error (ETIMEDOUT), the redirect answers 503
   * "Try again shortly", and the outage is logged once. The query itself is bounded by the pool's statement_timeout.
   */
  private fromPostgres(code: string): Promise<RedirectTarget | undefined> {
    const query = findRedirectTarget(this.db, code);
    return this.opts.lookupTimeoutMs ? unlessStalled(query, this.opts.lookupTimeoutMs, 'link lookup') : query;
  }

  private macOf(code: string, json: string): string {
    return createHmac('sha256', this.mac.key).update(code).update('\n').update(json).digest('base64url');
  }

  private signed(code: string, target: RedirectTarget): string {
    const json = JSON.stringify({ linkId: target.linkId, destination: target.destination });
    return `${ENTRY_VERSION}:${this.mac.keyId}:${this.macOf(code, json)}:${json}`;
  }

  /** The target of a Redis entry whose MAC verifies for this code; undefined (a miss) for anything else. */
  private verified(code: string, entry: string): RedirectTarget | undefined {
    const head = `${ENTRY_VERSION}:${this.mac.keyId}:`;
    // Unsigned (written before MACs) or signed under another key (before a key rotation): a quiet miss, rewritten.
    if (!entry.startsWith(head)) return entry.startsWith(`${ENTRY_VERSION}:`) || entry.startsWith('{') ? undefined : this.reject(code);
    const mac = entry.slice(head.length, head.length + MAC_LENGTH);
    const json = entry.slice(head.length + MAC_LENGTH + 1);
    const given = Buffer.from(mac, 'base64url');
    const want = Buffer.from(this.macOf(code, json), 'base64url');
    if (entry[head.length + MAC_LENGTH] !== ':' || given.length !== want.length || !timingSafeEqual(given, want)) return this.reject(code);
    try {
      const target = JSON.parse(json) as RedirectTarget;
      return Number.isSafeInteger(target.linkId) && target.linkId > 0 && isTaggedAmazonUrl(target.destination) ? target : this.reject(code);
    } catch {
      return this.reject(code);
    }
  }

  private reject(code: string): undefined {
    if (!this.tampered.has(code)) {
      this.tampered.set(code, true);
      this.log?.warn({ code }, 'link cache entry in Redis failed its integrity check; ignored, link read from Postgres');
    }
    return undefined;
  }

  /**
   * The handle of the influencer behind a code that leads nowhere (a disabled link), on the same bounded pool and
   * timeout as lookups; undefined for a code nobody ever had.
   */
  async ownerHandle(code: string): Promise<string | undefined> {
    const known = this.owners.get(code);
    if (known) return known.handle ?? undefined;
    const query = ownerHandleOfCode(this.db, code);
    const handle = await (this.opts.lookupTimeoutMs ? unlessStalled(query, this.opts.lookupTimeoutMs, 'link owner lookup') : query);
    this.owners.set(code, { handle: handle ?? null });
    return handle;
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
