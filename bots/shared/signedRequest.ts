// What both chat platforms' request gates share: the raw body read with a cap, the timestamp age rule,
// replay memory, and the order of refusals (size, then signature and age, then replay), each answered
// before anything is parsed or touched. A platform brings only its SigningScheme (headers and signature check).
import type { Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../src/log.ts';

export const MAX_REQUEST_AGE_SECONDS = 5 * 60;

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing headers' | 'bad timestamp' | 'stale timestamp' | 'bad signature' };

/** The age rule of both platforms: a plain Unix timestamp no more than five minutes away from now. */
export function checkTimestamp(header: string | undefined, nowMs: number): SignatureCheck {
  if (!header || !/^\d{1,12}$/.test(header)) return { ok: false, reason: 'bad timestamp' };
  const age = Math.floor(nowMs / 1000) - Number(header);
  return Math.abs(age) > MAX_REQUEST_AGE_SECONDS ? { ok: false, reason: 'stale timestamp' } : { ok: true };
}

/** How a platform signs its requests: where signature and timestamp travel, and the signature check itself. */
export interface SigningScheme {
  platform: string;
  /** The names of the headers the signature and its timestamp travel in. */
  headers: { signature: string; timestamp: string };
  /** The platform's own check; asked only once both headers are there and the timestamp is fresh. */
  valid(rawBody: Buffer, timestamp: string, signature: string): boolean;
  /** The spelling of a signature remembered against replays (default: as sent). */
  replayKey?(signature: string): string;
}

/** Both headers, then the age rule, then the platform's signature check: the same order on every platform. */
export function checkSignature(
  scheme: SigningScheme,
  rawBody: Buffer,
  timestampHeader: string | undefined,
  signatureHeader: string | undefined,
  nowMs: number = Date.now(),
): SignatureCheck {
  if (!timestampHeader || !signatureHeader) return { ok: false, reason: 'missing headers' };
  const fresh = checkTimestamp(timestampHeader, nowMs);
  if (!fresh.ok) return fresh;
  return scheme.valid(rawBody, timestampHeader, signatureHeader) ? { ok: true } : { ok: false, reason: 'bad signature' };
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

class TooLarge extends Error {}

/** Collects the body up to maxBytes; past that it rejects and lets the rest drain, so a 413 can still be sent. */
function readRaw(req: Request, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > maxBytes) {
        over = true;
        reject(new TooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

export function refuse(res: Response, status: number, message: string): void {
  res.status(status).type('text/plain').send(message);
}

export interface SignedRequestOptions {
  maxBytes: number;
  signatures: SeenOnce;
  log: Logger;
  now?: () => number;
}

/** The raw body when the request is signed, fresh and new; otherwise it has been refused and undefined comes back. */
async function acceptSignedRequest(req: Request, res: Response, scheme: SigningScheme, opts: SignedRequestOptions): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > opts.maxBytes) {
    res.set('Connection', 'close');
    refuse(res, 413, 'Request body too large');
    req.resume();
    return undefined;
  }
  let raw: Buffer;
  try {
    raw = await readRaw(req, opts.maxBytes);
  } catch (err) {
    if (err instanceof TooLarge) {
      res.set('Connection', 'close');
      refuse(res, 413, 'Request body too large');
    } else {
      refuse(res, 400, 'Could not read the request body');
    }
    return undefined;
  }
  const signature = req.get(scheme.headers.signature);
  const check = checkSignature(scheme, raw, req.get(scheme.headers.timestamp), signature, (opts.now ?? Date.now)());
  if (!check.ok) {
    opts.log.warn({ reason: check.reason, ip: req.ip }, `refused ${scheme.platform} request`);
    refuse(res, 401, 'Invalid request signature');
    return undefined;
  }
  if (!(await opts.signatures.first(scheme.replayKey ? scheme.replayKey(signature!) : signature!))) {
    opts.log.warn({ ip: req.ip }, `refused replayed ${scheme.platform} request`);
    refuse(res, 401, 'Replayed request');
    return undefined;
  }
  return raw;
}

export type RequestWithRawBody = Request & { rawBody?: Buffer };

/**
 * The gate as Express middleware: what passes is handed on as req.rawBody. `accepted` may look at a verified
 * request before that (Slack's event retries) and returns false when it has answered the request itself.
 */
export function signedRequestGuard(
  scheme: SigningScheme,
  opts: SignedRequestOptions,
  accepted?: (req: Request, res: Response, raw: Buffer) => Promise<boolean>,
): RequestHandler {
  return async (req, res, next) => {
    const raw = await acceptSignedRequest(req, res, scheme, opts);
    if (!raw || (accepted && !(await accepted(req, res, raw)))) return;
    (req as RequestWithRawBody).rawBody = raw;
    next();
  };
}
