// Configuration is read once from the environment, validated, and frozen.
// A bad or missing variable stops the process with one line naming it.
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { AllowList } from './domain/net/publicAddress.ts';
import { parseKey } from './secrets/secretBox.ts';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const absoluteUrl = z.string().refine((v) => {
  try {
    new URL(v);
    return true;
  } catch {
    return false;
  }
}, 'must be an absolute URL');

const url = (def: string) => z.string().default(def).pipe(absoluteUrl);

const boolFlag = z
  .enum(['0', '1', 'true', 'false', ''])
  .default('0')
  .transform((v) => v === '1' || v === 'true');

const KEY_MESSAGE = 'must be 32 bytes, given as 64 hex characters or base64 (generate one with: openssl rand -hex 32)';
/** Public (it is in this file): production refuses to start with it. */
export const DEV_CLICK_HASH_SECRET = 'dev-only-click-hash-secret-change-me';

function allowListIssue(value: string, ctx: z.RefinementCtx): void {
  try {
    AllowList.parse(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `must be comma-separated IP, IP:port or [IPv6]:port entries: ${(err as Error).message}` });
  }
}

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  // Default: http://localhost:$PORT (filled in below, once PORT is known).
  PUBLIC_BASE_URL: optionalString.pipe(absoluteUrl.optional()),
  DATABASE_URL: url('postgres://postgres@127.0.0.1:5432/affiliate'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  // A read replica for the read-heavy paths (/earnings, App Home, digests, storefront pages and share cards); unset:
  // they read DATABASE_URL. Writes, and reads that must see a write just made, always use DATABASE_URL.
  DATABASE_READ_URL: optionalString.pipe(absoluteUrl.optional()),
  // Longest a statement may run on the pool's connections (jobs, pages, the feeds API); 0 = no limit. Migrations run
  // without it. Generous: a million-line ingest's longest statement takes about 30 s on a slow machine.
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(300_000),
  // A redirect whose link is in no cache asks Postgres on a small pool of its own; past this it answers 503
  // "Try again shortly" (a stalled Postgres must not hold followers' requests).
  REDIRECT_LOOKUP_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(1000),
  REDIS_URL: url('redis://127.0.0.1:6379'),
  // Every Redis key of the service starts with it. On Redis Cluster write it as a hash tag, {affiliate}: BullMQ's
  // scripts touch several keys of a queue at once, and a hash tag puts them all in one slot.
  QUEUE_PREFIX: z
    .string()
    .regex(/^(?:[A-Za-z0-9_-]+|\{[A-Za-z0-9_-]+\})$/, 'letters, digits, _ and - only, or those inside {} (a Redis Cluster hash tag)')
    .default('affiliate'),
  // A job whose worker died (killed, host lost) is taken up by another worker after at most twice this (BullMQ's lock
  // duration and stalled-job check interval).
  JOB_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  // How often the reconciler compares ingests with their jobs: an ingest queued or running whose job is gone (Redis
  // lost it) is queued again, one whose job finally failed is marked failed. Ingests younger than this are left alone.
  RECONCILE_EVERY_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  // Stored upload files of failed or held ingests are removed this many days after they were written (a succeeded
  // ingest's file goes at once); the reconciler does it on each pass.
  UPLOAD_RETENTION_DAYS: z.coerce.number().min(0).max(3650).default(14),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // auto: readable lines in a terminal, JSON lines otherwise; pretty or json force one.
  LOG_FORMAT: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['auto', 'pretty', 'json']).default('auto')),
  // When set, GET /metrics is served on this port only (in every role), no longer on PORT; unset: on PORT with the web role.
  METRICS_PORT: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.coerce.number().int().min(0).max(65535).optional()),
  // When set, GET /metrics needs `Authorization: Bearer <token>`.
  METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  // Secrets at rest (Slack tokens, feed-source headers) are sealed with ENCRYPTION_KEY; the previous keys still open
  // what they sealed until `rotate-key` re-seals it. Required in production (see loadConfig).
  ENCRYPTION_KEY: optionalString.pipe(
    z
      .string()
      .refine((v) => parseKey(v) !== undefined, KEY_MESSAGE)
      .optional(),
  ),
  ENCRYPTION_KEY_PREVIOUS: optionalString.pipe(
    z
      .string()
      .refine(
        (v) => v.split(',').every((k) => k.trim() === '' || parseKey(k) !== undefined),
        'must be comma-separated keys, each 32 bytes as 64 hex characters or base64',
      )
      .optional(),
  ),
  // Clicks: the salt keys the daily visitor hash; the country header is only trusted when a proxy sets it.
  CLICK_HASH_SECRET: z.string().min(16, 'must be at least 16 characters').default(DEV_CLICK_HASH_SECRET),
  CLICK_COUNTRY_HEADER: optionalString,
  TRUST_PROXY: boolFlag,
  CLICK_FLUSH_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  CLICK_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  // Raw clicks are kept this long (whole monthly partitions are dropped after it); the rollups keep every count.
  CLICK_RETENTION_DAYS: z.coerce.number().int().min(31).max(36_500).default(400),
  SHORT_LINK_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(5000),
  // A rendered storefront page is served from memory this long (0 = render every request).
  STOREFRONT_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(10),
  // Slack
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_BOT_TOKEN: optionalString,
  SLACK_CLIENT_ID: optionalString,
  SLACK_CLIENT_SECRET: optionalString,
  SLACK_STATE_SECRET: optionalString,
  SLACK_API_URL: optionalString.pipe(z.string().url().optional()),
  // Socket Mode (development): events over a WebSocket opened with the app-level token, no public URL needed.
  SLACK_APP_TOKEN: optionalString.pipe(
    z
      .string()
      .regex(/^xapp-/, 'must be an app-level token (xapp-…)')
      .optional(),
  ),
  SLACK_SOCKET_MODE: boolFlag,
  // Discord
  DISCORD_APPLICATION_ID: optionalString,
  DISCORD_PUBLIC_KEY: optionalString.pipe(
    z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters')
      .optional(),
  ),
  DISCORD_BOT_TOKEN: optionalString,
  DISCORD_API_URL: optionalString.pipe(z.string().url().optional()),
  DISCORD_GUILD_ID: optionalString,
  // Gateway mode (optional): a bot connection that reads messages in opted-in channels and answers Amazon links.
  DISCORD_GATEWAY: boolFlag,
  // Feeds
  FEED_API_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  FEED_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(200 * 1024 * 1024),
  // Feed sources are only fetched from public addresses; these non-public ones (IP, IP:port, [IPv6]:port) are allowed too.
  FEED_POLL_ALLOW_PRIVATE: optionalString.pipe(z.string().superRefine(allowListIssue).optional()),
  // Postbacks trickling in are grouped into one notification per influencer per window.
  NOTIFY_TRICKLE_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  // An ingest whose lines are all older than this many days is past money: one backfill summary, not "new commission" (0: never).
  BACKFILL_AGE_DAYS: z.coerce.number().int().min(0).max(36_500).default(45),
  // Uploaded and polled report files wait here for the ingest worker (share it between web and worker hosts).
  FEED_STORAGE_DIR: optionalString.transform((v) => v ?? path.join(os.tmpdir(), 'affiliate-feeds')),
  // Amazon Creators API (product details for storefronts): the operator's credential for every organisation without
  // its own (`catalogue credentials set`). All four or none; the version is shown with the credential in Associates
  // Central (2.x Cognito, 3.x Login with Amazon). AMAZON_CREATORS_API_URL replaces https://creatorsapi.amazon and the
  // token endpoint's origin (a local fake).
  AMAZON_CREATORS_CLIENT_ID: optionalString,
  AMAZON_CREATORS_CLIENT_SECRET: optionalString,
  AMAZON_CREATORS_CREDENTIAL_VERSION: optionalString.pipe(z.enum(['2.1', '2.2', '2.3', '3.1', '3.2', '3.3']).optional()),
  AMAZON_CREATORS_PARTNER_TAG: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a tracking ID such as name-20')
      .optional(),
  ),
  AMAZON_CREATORS_API_URL: optionalString.pipe(z.string().url().optional()),
  // GetItems requests a second per credential: Amazon starts an account at 1 and raises it with its sales.
  AMAZON_CREATORS_REQUESTS_PER_SECOND: z.coerce.number().min(0.1).max(100).default(1),
});

type ParsedConfig = z.infer<typeof configSchema>;
export type Config = Readonly<Omit<ParsedConfig, 'PUBLIC_BASE_URL'> & { PUBLIC_BASE_URL: string }>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parse and freeze configuration; throws ConfigError with one line naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = issue.path.join('.') || 'environment';
    throw new ConfigError(`Invalid configuration: ${name} ${issue.message}`);
  }
  const data = result.data;
  if (data.NODE_ENV === 'production') {
    // Development defaults are public: in production they would protect nothing.
    if (!data.ENCRYPTION_KEY)
      throw new ConfigError(
        `Invalid configuration: ENCRYPTION_KEY must be set when NODE_ENV=production (32 bytes as 64 hex characters or base64; generate one with: openssl rand -hex 32)`,
      );
    if (data.CLICK_HASH_SECRET === DEV_CLICK_HASH_SECRET)
      throw new ConfigError(
        'Invalid configuration: CLICK_HASH_SECRET must be set to your own secret when NODE_ENV=production (the development default is public)',
      );
  }
  const creators = ['AMAZON_CREATORS_CLIENT_ID', 'AMAZON_CREATORS_CLIENT_SECRET', 'AMAZON_CREATORS_CREDENTIAL_VERSION', 'AMAZON_CREATORS_PARTNER_TAG'] as const;
  const missingCreators = creators.filter((k) => !data[k]);
  if (missingCreators.length > 0 && missingCreators.length < creators.length) {
    throw new ConfigError(`Invalid configuration: ${missingCreators[0]} must be set too (the Creators API credential needs ${creators.join(', ')})`);
  }
  // Links printed by the demo, the CLI and the bots must reach this process when nothing else is configured.
  const base = (data.PUBLIC_BASE_URL ?? `http://localhost:${data.PORT}`).replace(/\/+$/, '');
  return Object.freeze({ ...data, PUBLIC_BASE_URL: base });
}

/** Which chat platforms are configured: a platform whose variables are absent is off. */
export function platformsEnabled(config: Config) {
  return {
    slack:
      Boolean(config.SLACK_SIGNING_SECRET && (config.SLACK_BOT_TOKEN || (config.SLACK_CLIENT_ID && config.SLACK_CLIENT_SECRET))) ||
      Boolean(config.SLACK_SOCKET_MODE && config.SLACK_APP_TOKEN && config.SLACK_BOT_TOKEN),
    discord: Boolean(config.DISCORD_PUBLIC_KEY && config.DISCORD_APPLICATION_ID),
  };
}
