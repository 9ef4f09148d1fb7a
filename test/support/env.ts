// Test helpers: configuration pointing at this run's database and Redis prefix, and a running app.
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.ts';
import { createDb, type Db } from '../../src/db/database.ts';
import { createLogger } from '../../src/log.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';

let counter = 0;

/** A unique suffix for handles, tracking IDs and prefixes, so test files never collide. */
export function unique(prefix = 't'): string {
  counter += 1;
  return `${prefix}${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}${counter}`;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: 'http://links.test',
    DATABASE_URL: inject('databaseUrl'),
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: `${inject('queuePrefix')}_${unique('q')}`,
    LOG_LEVEL: 'silent',
    CLICK_FLUSH_MS: '50',
    // Pages rendered for every request: tests change a storefront and look at it at once (pageCache.test.ts turns it on).
    STOREFRONT_CACHE_SECONDS: '0',
    CLICK_HASH_SECRET: 'test-secret-test-secret',
    ...overrides,
  });
}

export function testDb(): Db {
  return createDb(inject('databaseUrl'), 4);
}

export async function startTestApp(overrides: Record<string, string> = {}): Promise<Runtime & { url: string }> {
  const config = testConfig(overrides);
  const rt = await startRuntime(config, { web: true, log: createLogger('silent') });
  return rt as Runtime & { url: string };
}
