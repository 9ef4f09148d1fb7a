import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

// int8 ids and money sums come back as numbers; anything past 2^53 would be a bug worth failing loudly on.
function safeInt8(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${v} exceeds the safe integer range`);
  return n;
}
pg.types.setTypeParser(pg.types.builtins.INT8, safeInt8);
// int8[] likewise (feed_ingests.affected_influencers).
const parseInt8Array = pg.types.getTypeParser(1016 as never) as (v: string) => Array<string | null>;
pg.types.setTypeParser(1016 as never, (v: string) => parseInt8Array(v).map((x) => (x === null ? null : safeInt8(x))));
// Calendar dates stay strings (YYYY-MM-DD): converting them to Date would shift them by the process time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

const pools = new WeakMap<Db, pg.Pool>();

export interface DbOptions {
  /** Pool size (default 10). */
  max?: number;
  /** Postgres's statement_timeout for every connection of the pool, ms; 0 or absent = none. */
  statementTimeoutMs?: number;
  /** How long to wait for a connection (a new one, or a free one of a busy pool), ms (default 5000). */
  connectionTimeoutMs?: number;
  /** Shown in pg_stat_activity (default: the connection string's application_name, if any). */
  applicationName?: string;
  /**
   * A connection that drops while checked out (a query or COPY in flight when Postgres restarts, a backend
   * terminated) emits 'error' on its client, where the pool no longer listens: unheard, that is an uncaught exception
   * that ends the process. Every client gets a listener; this hears what it reports (the query fails on its own).
   */
  onClientError?: (err: Error) => void;
}

export function createDb(connectionString: string, maxOrOptions: number | DbOptions = 10): Db {
  const opts: DbOptions = typeof maxOrOptions === 'number' ? { max: maxOrOptions } : maxOrOptions;
  const pool = new pg.Pool({
    connectionString,
    max: opts.max ?? 10,
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
    ...(opts.applicationName ? { application_name: opts.applicationName } : {}),
  });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it. Queries report their own errors.
  });
  const onClientError = opts.onClientError ?? (() => undefined);
  pool.on('connect', (client) => client.on('error', onClientError));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}

/** The pg pool behind a Db, for the few paths that need a raw client (COPY streams in bulk ingest). */
export function poolOf(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('This Db was not made by createDb');
  return pool;
}
