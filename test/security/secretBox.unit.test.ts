import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { keyIdOf, parseKey, SecretBox, SecretError } from '../../src/secrets/secretBox.ts';

const KEY_A = randomBytes(32).toString('hex');
const KEY_B = randomBytes(32).toString('base64');
const idOf = (key: string) => createHash('sha256').update(parseKey(key)!).digest('hex').slice(0, 8);
const CONTEXT = 'slack_workspaces.bot_token:T123';

describe('when a secret is sealed', () => {
  const box = new SecretBox({ ENCRYPTION_KEY: KEY_A });

  it('then it is stored as enc:v1:<key id>:<iv>:<tag>:<ciphertext>, the key id being the first 8 hex of SHA-256 of the key', () => {
    const sealed = box.seal('xoxb-secret-token', CONTEXT);
    expect(sealed).toMatch(/^enc:v1:[0-9a-f]{8}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
    expect(sealed.split(':')[2]).toBe(idOf(KEY_A));
    expect(box.keyId).toBe(keyIdOf(parseKey(KEY_A)!));
    expect(sealed).not.toContain('xoxb');
    expect(sealed).not.toContain(KEY_A.slice(0, 8));
    expect(box.open(sealed, CONTEXT)).toBe('xoxb-secret-token');
  });

  it('then every sealing uses a fresh IV: the same secret never looks the same twice', () => {
    const a = box.seal('same', CONTEXT);
    const b = box.seal('same', CONTEXT);
    expect(a).not.toBe(b);
    expect(a.split(':')[3]).not.toBe(b.split(':')[3]);
  });

  it('then JSON round-trips, and a plain (legacy) value passes through', () => {
    const headers = { Authorization: 'Bearer abc', 'X-Api-Key': 'k' };
    expect(box.openJson(box.sealJson(headers, 'ctx'), 'ctx')).toEqual(headers);
    expect(box.openJson(headers, 'ctx')).toEqual(headers);
    expect(box.open('xoxb-written-before-sealing', CONTEXT)).toBe('xoxb-written-before-sealing');
  });

  it('then an altered value, or one moved to another row, does not open', () => {
    const sealed = box.seal('xoxb-secret-token', CONTEXT);
    const parts = sealed.split(':');
    const body = Buffer.from(parts[5]!, 'base64url');
    body[0]! ^= 1;
    const altered = [...parts.slice(0, 5), body.toString('base64url')].join(':');
    expect(() => box.open(altered, CONTEXT)).toThrow(SecretError);
    expect(() => box.open(sealed, 'slack_workspaces.bot_token:T999')).toThrow(/does not open/);
    expect(() => box.open('enc:v1:abcd1234:short', CONTEXT)).toThrow(/malformed/);
  });
});

describe('when the key rotates', () => {
  const old = new SecretBox({ ENCRYPTION_KEY: KEY_A });
  const sealedWithA = old.seal('xoxb-old', CONTEXT);

  it('then the previous keys still open old values, and new values use the current key', () => {
    const box = new SecretBox({ ENCRYPTION_KEY: KEY_B, ENCRYPTION_KEY_PREVIOUS: `${randomBytes(32).toString('hex')}, ${KEY_A}` });
    expect(box.keyId).toBe(idOf(KEY_B));
    expect(box.open(sealedWithA, CONTEXT)).toBe('xoxb-old');
    expect(box.isCurrent(sealedWithA)).toBe(false);
    const resealed = box.reseal(sealedWithA, CONTEXT);
    expect(SecretBox.keyIdIn(resealed)).toBe(idOf(KEY_B));
    expect(box.isCurrent(resealed)).toBe(true);
    expect(box.reseal(resealed, CONTEXT)).toBe(resealed);
    expect(new SecretBox({ ENCRYPTION_KEY: KEY_B }).open(resealed, CONTEXT)).toBe('xoxb-old');
  });

  it('then without the previous key an old value fails, naming the key it needs', () => {
    const box = new SecretBox({ ENCRYPTION_KEY: KEY_B, NODE_ENV: 'production' });
    expect(() => box.open(sealedWithA, CONTEXT)).toThrow(
      `sealed with key ${idOf(KEY_A)}, which is neither ENCRYPTION_KEY (${idOf(KEY_B)}) nor in ENCRYPTION_KEY_PREVIOUS`,
    );
  });
});

describe('when no ENCRYPTION_KEY is set', () => {
  it('then development seals with a fixed key whose id says dev, which production never accepts', () => {
    const dev = new SecretBox({});
    expect(dev.keyId).toBe('dev');
    expect(dev.usesDevelopmentKey).toBe(true);
    const sealed = dev.seal('xoxb-dev', CONTEXT);
    expect(sealed).toMatch(/^enc:v1:dev:/);
    // Same fixed key in another process, and still readable in development after a real key is set.
    expect(new SecretBox({ NODE_ENV: 'test' }).open(sealed, CONTEXT)).toBe('xoxb-dev');
    expect(new SecretBox({ ENCRYPTION_KEY: KEY_A, NODE_ENV: 'development' }).open(sealed, CONTEXT)).toBe('xoxb-dev');
    expect(() => new SecretBox({ ENCRYPTION_KEY: KEY_A, NODE_ENV: 'production' }).open(sealed, CONTEXT)).toThrow(/sealed with key dev/);
  });
});

describe('ENCRYPTION_KEY in the configuration', () => {
  it('then 64 hex characters or base64 of 32 bytes are accepted, anything else is refused naming the variable', () => {
    expect(parseKey(KEY_A)).toHaveLength(32);
    expect(parseKey(KEY_B)).toHaveLength(32);
    expect(parseKey(randomBytes(32).toString('base64url'))).toHaveLength(32);
    expect(parseKey(randomBytes(16).toString('hex'))).toBeUndefined();
    expect(parseKey(randomBytes(31).toString('base64'))).toBeUndefined();
    expect(loadConfig({ ENCRYPTION_KEY: KEY_A }).ENCRYPTION_KEY).toBe(KEY_A);
    expect(() => loadConfig({ ENCRYPTION_KEY: 'not-a-key' })).toThrow(
      /^Invalid configuration: ENCRYPTION_KEY must be 32 bytes, given as 64 hex characters or base64/,
    );
    expect(() => loadConfig({ ENCRYPTION_KEY: KEY_A, ENCRYPTION_KEY_PREVIOUS: `${KEY_B},nope` })).toThrow(
      /^Invalid configuration: ENCRYPTION_KEY_PREVIOUS must be comma-separated keys/,
    );
    expect(loadConfig({ ENCRYPTION_KEY_PREVIOUS: '' }).ENCRYPTION_KEY_PREVIOUS).toBeUndefined();
  });

  it('then production refuses to load without it, or with the development click secret, naming the variable', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', CLICK_HASH_SECRET: 'an-operator-chosen-secret' })).toThrow(
      /^Invalid configuration: ENCRYPTION_KEY must be set when NODE_ENV=production/,
    );
    expect(() => loadConfig({ NODE_ENV: 'production', ENCRYPTION_KEY: KEY_A })).toThrow(
      /^Invalid configuration: CLICK_HASH_SECRET must be set to your own secret when NODE_ENV=production/,
    );
    expect(() => loadConfig({ NODE_ENV: 'production', ENCRYPTION_KEY: KEY_A, CLICK_HASH_SECRET: 'dev-only-click-hash-secret-change-me' })).toThrow(
      /CLICK_HASH_SECRET/,
    );
    expect(loadConfig({ NODE_ENV: 'production', ENCRYPTION_KEY: KEY_A, CLICK_HASH_SECRET: 'an-operator-chosen-secret' }).NODE_ENV).toBe('production');
    // Development and tests keep working with neither.
    expect(loadConfig({ NODE_ENV: 'development' }).ENCRYPTION_KEY).toBeUndefined();
  });
});
