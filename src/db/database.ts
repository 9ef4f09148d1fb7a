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

export function createDb(connectionString: string, max = 10): Db {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000 });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it. Queries report their own errors.
  });
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
