// Secrets at rest: AES-256-GCM sealing of strings and JSON (node:crypto), with the key's id stored in each value so
// keys can rotate. A sealed value reads
//
//   enc:v1:<keyId>:<iv>:<tag>:<ciphertext>        (iv: 12 random bytes; tag: 16 bytes; all three base64url)
//
// keyId is the first 8 hex characters of SHA-256 of the 32 key bytes (never the key itself), or `dev` for the fixed
// development key used when ENCRYPTION_KEY is unset outside production. ENCRYPTION_KEY seals; it and every key in
// ENCRYPTION_KEY_PREVIOUS open. Each value is sealed for a context (its table, column and row, e.g.
// `slack_workspaces.bot_token:T0123`) given as GCM additional data: a value copied to another row or column does not
// open there. A value without the `enc:` prefix is plaintext written before sealing existed: open() returns it as is.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

export const SEALED_PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
export const DEV_KEY_ID = 'dev';
// Public on purpose: it only keeps development and test data from being plain text. Production refuses to start
// without ENCRYPTION_KEY (src/config.ts).
const DEV_KEY = createHash('sha256').update('affiliate-chat development encryption key (not secret)').digest();

/** Why a sealed value could not be opened (unknown key, wrong context, tampered or truncated). */
export class SecretError extends Error {
  override name = 'SecretError';
}

/** 32 bytes from 64 hex characters or base64 (standard or url-safe, padding optional); undefined otherwise. */
export function parseKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(t)) return undefined;
  const bytes = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === KEY_BYTES ? bytes : undefined;
}

/** The id stored with every value sealed by this key: the first 8 hex characters of SHA-256 of its bytes. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export interface SecretBoxKeys {
  /** ENCRYPTION_KEY (64 hex characters or base64); unset: the development key. */
  ENCRYPTION_KEY?: string | undefined;
  /** ENCRYPTION_KEY_PREVIOUS: comma-separated keys that still open values. */
  ENCRYPTION_KEY_PREVIOUS?: string | undefined;
  NODE_ENV?: string | undefined;
}

export class SecretBox {
  /** Id of the key that seals. */
  readonly keyId: string;
  /** True when sealing with the public development key (ENCRYPTION_KEY unset). */
  readonly usesDevelopmentKey: boolean;
  private readonly current: Buffer;
  private readonly openers = new Map<string, Buffer>();

  constructor(keys: SecretBoxKeys) {
    const current = keys.ENCRYPTION_KEY ? parseKey(keys.ENCRYPTION_KEY) : undefined;
    if (keys.ENCRYPTION_KEY && !current) throw new SecretError('ENCRYPTION_KEY must be 32 bytes, given as 64 hex characters or base64');
    this.usesDevelopmentKey = !current;
    this.current = current ?? DEV_KEY;
    this.keyId = current ? keyIdOf(current) : DEV_KEY_ID;
    this.openers.set(this.keyId, this.current);
    for (const text of (keys.ENCRYPTION_KEY_PREVIOUS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const key = parseKey(text);
      if (!key) throw new SecretError('ENCRYPTION_KEY_PREVIOUS must be comma-separated keys, each 32 bytes as 64 hex characters or base64');
      if (!this.openers.has(keyIdOf(key))) this.openers.set(keyIdOf(key), key);
    }
    // Values sealed in development stay readable there after a real key is set; never in production.
    if (keys.NODE_ENV !== 'production' && !this.openers.has(DEV_KEY_ID)) this.openers.set(DEV_KEY_ID, DEV_KEY);
  }

  /** Whether a stored value is sealed (any key); anything else is legacy plaintext. */
  static isSealed(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(SEALED_PREFIX);
  }

  /** The key id a sealed value names, or undefined for plaintext. */
  static keyIdIn(value: unknown): string | undefined {
    return SecretBox.isSealed(value) ? value.slice(SEALED_PREFIX.length).split(':', 1)[0] : undefined;
  }

  /** Sealed with the current key: nothing for rotate-key to do. */
  isCurrent(value: unknown): boolean {
    return SecretBox.keyIdIn(value) === this.keyId;
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${SEALED_PREFIX}${this.keyId}:${iv.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${body.toString('base64url')}`;
  }

  /** The plaintext of a sealed value; a value that is not sealed (written before sealing existed) comes back as is. */
  open(value: string, context: string): string {
    if (!SecretBox.isSealed(value)) return value;
    const parts = value.slice(SEALED_PREFIX.length).split(':');
    if (parts.length !== 4) throw new SecretError('sealed value is malformed');
    const [keyId, iv, tag, body] = parts as [string, string, string, string];
    const key = this.openers.get(keyId);
    if (!key) throw new SecretError(`sealed with key ${keyId}, which is neither ENCRYPTION_KEY (${this.keyId}) nor in ENCRYPTION_KEY_PREVIOUS`);
    const ivBytes = Buffer.from(iv, 'base64url');
    const tagBytes = Buffer.from(tag, 'base64url');
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw new SecretError('sealed value is malformed');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tagBytes);
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretError(`sealed value with key ${keyId} does not open: altered, or sealed for another row`);
    }
  }

  sealJson(value: unknown, context: string): string {
    return this.seal(JSON.stringify(value), context);
  }

  /** A sealed JSON value, or a legacy plaintext value (already parsed, e.g. from a jsonb column) returned as is. */
  openJson<T>(value: unknown, context: string): T {
    return (SecretBox.isSealed(value) ? JSON.parse(this.open(value, context)) : value) as T;
  }

  /** A value already sealed with the current key is kept; anything else (plaintext, an older key) is sealed anew. */
  reseal(value: string, context: string): string {
    return this.isCurrent(value) ? value : this.seal(this.open(value, context), context);
  }

  /** A 32-byte key for another purpose (an HMAC, …), derived from the current key with HKDF-SHA256 and a label. */
  deriveKey(label: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.current, Buffer.alloc(0), `affiliate-chat/${label}`, KEY_BYTES));
  }
}

// One box per configuration object: building it parses keys, so callers share it.
const boxes = new WeakMap<object, SecretBox>();

/** The SecretBox for a (frozen) configuration, built once. */
export function secretBoxFor(config: SecretBoxKeys & object): SecretBox {
  let box = boxes.get(config);
  if (!box) {
    box = new SecretBox(config);
    boxes.set(config, box);
  }
  return box;
}
