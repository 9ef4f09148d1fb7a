// Files a chat message shows or offers by URL rather than by upload: the digest chart in a Slack image block (Slack
// fetches image_url itself; a message sent through a slash command's response_url cannot carry files at all) and
// the digest CSV offered from an ephemeral answer. Each file sits in Redis under QUEUE_PREFIX for a few days, and
// its URL carries its expiry and an HMAC of kind, id and expiry (a key derived from ENCRYPTION_KEY), so only URLs we
// handed out open, and only until they expire:
//
//   GET /charts/<id>.png?exp=<unix seconds>&sig=<base64url>     image/png, inline
//   GET /exports/<id>.csv?exp=<unix seconds>&sig=<base64url>    text/csv, as a download
//
// A forged or altered signature, or an expired one, is 403; a well-signed URL whose file is gone is 404.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { Redis } from 'ioredis';
import { secretBoxFor, type SecretBoxKeys } from '../secrets/secretBox.ts';

/** How long a file and its URL live: Slack fetches an image when the message is posted and caches it. */
export const SIGNED_FILE_TTL_SECONDS = 3 * 24 * 60 * 60;
/** Largest file we keep (a digest chart is ~100 KB, a CSV of thousands of influencers a few hundred). */
export const MAX_SIGNED_FILE_BYTES = 5 * 1024 * 1024;
/** The HKDF label of the signing key (SecretBox.deriveKey). */
export const SIGNED_FILES_KEY_LABEL = 'signed-files-mac/v1';

export type SignedFileKind = 'chart' | 'export';

const KINDS: Record<SignedFileKind, { dir: string; ext: string; contentType: string; download: boolean }> = {
  chart: { dir: 'charts', ext: 'png', contentType: 'image/png', download: false },
  export: { dir: 'exports', ext: 'csv', contentType: 'text/csv; charset=utf-8', download: true },
};

const ID = /^[A-Za-z0-9_-]{22}$/;

export type SignatureCheck = 'ok' | 'forged' | 'expired';

export class SignedFiles {
  private readonly ttl: number;
  private readonly now: () => number;
  private readonly baseUrl: string;
  /** Chat clients show pictures from https URLs only: with an http PUBLIC_BASE_URL (development) charts are not hosted. */
  readonly servesImages: boolean;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly key: Buffer,
    opts: { baseUrl: string; ttlSeconds?: number; now?: () => number },
  ) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.servesImages = this.baseUrl.startsWith('https://');
    this.ttl = opts.ttlSeconds ?? SIGNED_FILE_TTL_SECONDS;
    this.now = opts.now ?? Date.now;
  }

  private redisKey(kind: SignedFileKind, id: string): string {
    return `${this.prefix}:signed-file:${kind}:${id}`;
  }

  private sign(kind: SignedFileKind, id: string, exp: number): string {
    return createHmac('sha256', this.key).update(`${kind}\n${id}\n${exp}`).digest('base64url');
  }

  /** Keeps a file and returns its signed URL under PUBLIC_BASE_URL. */
  async put(kind: SignedFileKind, data: Buffer, name: string): Promise<string> {
    if (data.length > MAX_SIGNED_FILE_BYTES) throw new RangeError(`${name} is too large to host (${data.length} bytes)`);
    const id = randomBytes(16).toString('base64url');
    const exp = Math.floor(this.now() / 1000) + this.ttl;
    const key = this.redisKey(kind, id);
    await this.redis.multi().hset(key, 'data', data, 'name', name).expire(key, this.ttl).exec();
    return this.url(kind, id, exp);
  }

  /** The URL of a file (exported for tests that forge or age one). */
  url(kind: SignedFileKind, id: string, exp: number): string {
    const k = KINDS[kind];
    return `${this.baseUrl}/${k.dir}/${id}.${k.ext}?exp=${exp}&sig=${this.sign(kind, id, exp)}`;
  }

  check(kind: SignedFileKind, id: string, exp: string | undefined, sig: string | undefined): SignatureCheck {
    if (!exp || !/^\d{1,12}$/.test(exp) || !sig || !ID.test(id)) return 'forged';
    const want = Buffer.from(this.sign(kind, id, Number(exp)));
    const got = Buffer.from(sig);
    if (got.length !== want.length || !timingSafeEqual(got, want)) return 'forged';
    return Number(exp) * 1000 <= this.now() ? 'expired' : 'ok';
  }

  async get(kind: SignedFileKind, id: string): Promise<{ data: Buffer; name: string } | undefined> {
    const key = this.redisKey(kind, id);
    const [data, name] = await Promise.all([this.redis.hgetBuffer(key, 'data'), this.redis.hget(key, 'name')]);
    return data ? { data, name: name ?? `file.${KINDS[kind].ext}` } : undefined;
  }

  /** Seconds an expiry leaves, for Cache-Control. */
  secondsLeft(exp: string): number {
    return Math.max(0, Number(exp) - Math.floor(this.now() / 1000));
  }
}

/** The store for this service: the cache connection, QUEUE_PREFIX, PUBLIC_BASE_URL and a key derived from ENCRYPTION_KEY. */
export function signedFilesFor(config: SecretBoxKeys & { QUEUE_PREFIX: string; PUBLIC_BASE_URL: string }, redis: Redis): SignedFiles {
  return new SignedFiles(redis, config.QUEUE_PREFIX, secretBoxFor(config).deriveKey(SIGNED_FILES_KEY_LABEL), { baseUrl: config.PUBLIC_BASE_URL });
}

/** A filename for Content-Disposition: plain ASCII letters, digits, dot, dash and underscore. */
const safeName = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100) || 'file';

export function signedFilesRouter(files: SignedFiles): express.Router {
  const router = express.Router();
  for (const kind of Object.keys(KINDS) as SignedFileKind[]) {
    const k = KINDS[kind];
    router.get(`/${k.dir}/:file`, async (req, res, next) => {
      try {
        const m = new RegExp(`^([A-Za-z0-9_-]+)\\.${k.ext}$`).exec(req.params.file ?? '');
        const q = (name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string) : undefined);
        res.set('cache-control', 'no-store');
        if (!m) {
          res.status(404).type('text/plain').send('Not found\n');
          return;
        }
        const check = files.check(kind, m[1]!, q('exp'), q('sig'));
        if (check !== 'ok') {
          res
            .status(403)
            .type('text/plain')
            .send(check === 'expired' ? 'This link has expired.\n' : 'This link is not valid.\n');
          return;
        }
        const found = await files.get(kind, m[1]!);
        if (!found) {
          res.status(404).type('text/plain').send('Not found (it may have expired).\n');
          return;
        }
        res.set({
          'content-type': k.contentType,
          // Whoever holds the URL may see it until it expires; no shared cache keeps a copy.
          'cache-control': `private, max-age=${files.secondsLeft(q('exp')!)}`,
          'content-disposition': `${k.download ? 'attachment' : 'inline'}; filename="${safeName(found.name)}"`,
          'referrer-policy': 'no-referrer',
        });
        res.status(200).send(found.data);
      } catch (err) {
        next(err);
      }
    });
  }
  return router;
}
