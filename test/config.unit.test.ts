import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, platformsEnabled } from '../src/config.ts';

describe('configuration', () => {
  it('when nothing is set, then the documented defaults apply and the result is frozen', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.PUBLIC_BASE_URL).toBe('http://localhost:3000');
    expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/affiliate');
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(Object.isFrozen(config)).toBe(true);
    expect(platformsEnabled(config)).toEqual({ slack: false, discord: false });
  });

  it('when a variable is bad, then one line names it', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/^Invalid configuration: PORT /);
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'not a url' })).toThrow(/PUBLIC_BASE_URL must be an absolute URL/);
    expect(() => loadConfig({ DISCORD_PUBLIC_KEY: 'xyz' })).toThrow(/DISCORD_PUBLIC_KEY must be 64 hex characters/);
    expect(() => loadConfig({ FEED_API_TOKEN: 'short' })).toThrow(/FEED_API_TOKEN/);
  });

  it('when only PORT is set, then links point at that port', () => {
    expect(loadConfig({ PORT: '3921' }).PUBLIC_BASE_URL).toBe('http://localhost:3921');
    expect(loadConfig({ PORT: '3921', PUBLIC_BASE_URL: 'https://go.example.com' }).PUBLIC_BASE_URL).toBe('https://go.example.com');
  });

  it('when the base URL has a trailing slash, then links do not get a double slash', () => {
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://go.example.com/' }).PUBLIC_BASE_URL).toBe('https://go.example.com');
  });

  it('when a platform has its variables, then it is on', () => {
    const config = loadConfig({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1', DISCORD_PUBLIC_KEY: 'a'.repeat(64), DISCORD_APPLICATION_ID: '1' });
    expect(platformsEnabled(config)).toEqual({ slack: true, discord: true });
  });
});

describe('.env.example', () => {
  it('then it lists every variable the service reads, and nothing it does not', async () => {
    const { readFileSync } = await import('node:fs');
    const { configSchema } = await import('../src/config.ts');
    const listed = readFileSync(new URL('../.env.example', import.meta.url), 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => l.slice(0, l.indexOf('=')));
    expect(new Set(listed)).toEqual(new Set(Object.keys(configSchema.shape)));
  });
});

describe('Creators API credential', () => {
  it("when only part of the operator's Creators API credential is set, then the start stops naming the missing variable", () => {
    expect(() => loadConfig({ AMAZON_CREATORS_CLIENT_ID: 'abc', AMAZON_CREATORS_CLIENT_SECRET: 'def' })).toThrow(
      /AMAZON_CREATORS_CREDENTIAL_VERSION must be set too/,
    );
    expect(() => loadConfig({ AMAZON_CREATORS_CREDENTIAL_VERSION: '4.0' })).toThrow(/AMAZON_CREATORS_CREDENTIAL_VERSION/);
    expect(
      loadConfig({
        AMAZON_CREATORS_CLIENT_ID: 'abc',
        AMAZON_CREATORS_CLIENT_SECRET: 'def',
        AMAZON_CREATORS_CREDENTIAL_VERSION: '3.1',
        AMAZON_CREATORS_PARTNER_TAG: 'shop-20',
      }).AMAZON_CREATORS_CREDENTIAL_VERSION,
    ).toBe('3.1');
  });
});
