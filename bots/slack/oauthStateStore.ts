// OAuth `state` for /slack/install → /slack/oauth_redirect, single-use: a random value kept in Redis for the time the
// state cookie lives, and consumed atomically (GETDEL) by the callback. A replayed callback (the same code and state
// twice) finds nothing the second time and is refused, as is a state that expired or was never issued.
import { randomBytes } from 'node:crypto';
import type { InstallURLOptions, StateStore } from '@slack/bolt';
import type { Redis } from 'ioredis';

/** Seconds a state lives: the same as Bolt's state cookie (stateCookieExpirationSeconds, default 600). */
export const STATE_TTL_SECONDS = 600;

export class InvalidOAuthStateError extends Error {
  override name = 'InvalidStateError';
  readonly code = 'slack_oauth_invalid_state';
}

/**
 * The connection is the runtime's fail-fast one (no offline queue): a command sent while it is still connecting fails
 * at once. An install is rare and a person is waiting for it, so wait a little for the connection instead.
 */
async function ready(redis: Redis, timeoutMs = 3000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
  });
}

export function redisStateStore(redis: Redis, prefix: string, ttlSeconds = STATE_TTL_SECONDS): StateStore {
  const key = (state: string) => `${prefix}${state}`;
  return {
    async generateStateParam(installOptions: InstallURLOptions, now: Date): Promise<string> {
      await ready(redis);
      const state = randomBytes(32).toString('base64url');
      const stored = await redis.set(key(state), JSON.stringify({ installOptions, now: now.toISOString() }), 'EX', ttlSeconds, 'NX');
      if (stored !== 'OK') throw new Error('could not store the OAuth state');
      return state;
    },
    async verifyStateParam(_now: Date, state: string): Promise<InstallURLOptions> {
      // Only our own shape reaches Redis: anything else cannot be a state we issued.
      if (!/^[A-Za-z0-9_-]{43}$/.test(state)) throw new InvalidOAuthStateError('The state parameter is not one we issued.');
      await ready(redis);
      const value = await redis.getdel(key(state));
      if (!value) throw new InvalidOAuthStateError('The state parameter was already used, has expired, or was never issued.');
      return (JSON.parse(value) as { installOptions: InstallURLOptions }).installOptions;
    },
  };
}
