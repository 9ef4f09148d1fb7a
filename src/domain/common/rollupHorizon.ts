// The horizon of a rollup fed from a table with a sequence id (ledger lines, clicks): the highest id below which
// every id is final, so rows up to it can be summed once and readers take the rest raw. An id drawn by a transaction
// still running may commit later, so a value of the sequence is noted with the transactions holding the sequence at
// that moment, and becomes the horizon once none of them runs. Shared by the earnings and click rollups.
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

/** Noted values kept at most: past it the latest one waits for the new holders too and covers the new value. */
const MAX_CANDIDATES = 50;

export interface HorizonTables {
  /** The table whose `id` sequence is rolled up, e.g. ledger_entries. */
  source: string;
  /** One row (id = 1) with `horizon`. */
  state: string;
  /** (id, sequence_value, waiting_for, noted_at): values waiting for their transactions to end. */
  candidates: string;
}

export interface Horizon {
  previous: number;
  horizon: number;
  /** Open transactions holding the horizon below the sequence's value (0 when the rollups are current). */
  waitingFor: number;
  /** The sequence value the horizon will reach once those transactions end, and since when it has waited. */
  pendingUpTo: number | null;
  heldBackSince: Date | null;
}

export async function nextHorizon(conn: Db, t: HorizonTables): Promise<Horizon> {
  const state = await sql<{ horizon: string; seq: string | null; cache: number | null }>`
    SELECT s.horizon, pg_get_serial_sequence(${t.source}, 'id') AS seq,
           (SELECT q.seqcache FROM pg_sequence q WHERE q.seqrelid = pg_get_serial_sequence(${t.source}, 'id')::regclass)::int AS cache
      FROM ${sql.table(t.state)} s WHERE s.id = 1`.execute(conn);
  const row = state.rows[0];
  if (!row) throw new Error(`${t.state} has no row: run the migrations`);
  if (!row.seq) throw new Error(`${t.source}.id has no sequence`);
  if ((row.cache ?? 1) > 1)
    throw new Error(`The rollup horizon needs ${row.seq} without CACHE (it has CACHE ${row.cache}): a session could use a cached id after its value was read`);
  const previous = Number(row.horizon);

  // First the value, then who holds the sequence: anyone who drew an id <= value before it was read still holds it.
  const value = Number((await sql<{ v: string | null }>`SELECT pg_sequence_last_value(${row.seq}::regclass) AS v`.execute(conn)).rows[0]?.v ?? 0);
  const holders =
    (
      await sql<{ vxids: string[] | null }>`
      SELECT array_agg(DISTINCT l.virtualtransaction) AS vxids
        FROM pg_locks l
       WHERE l.locktype = 'relation' AND l.relation = ${row.seq}::regclass
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND l.mode <> 'AccessShareLock' AND l.pid IS DISTINCT FROM pg_backend_pid()`.execute(conn)
    ).rows[0]?.vxids ?? [];

  const candidatesTable = sql.table(t.candidates);
  return conn.transaction().execute(async (trx) => {
    if (value > previous) {
      const noted = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${candidatesTable}`.execute(trx)).rows[0]?.n ?? 0);
      if (holders.length === 0 || noted < MAX_CANDIDATES) {
        await sql`INSERT INTO ${candidatesTable} (sequence_value, waiting_for) VALUES (${value}, ${holders}::text[])`.execute(trx);
      } else {
        // Enough noted: the latest one waits for these transactions too and covers this value (when all of its
        // transactions and these have ended, every id up to this value is final).
        await sql`
          UPDATE ${candidatesTable} c SET sequence_value = greatest(c.sequence_value, ${value}::bigint),
                 waiting_for = ARRAY(SELECT DISTINCT x FROM unnest(c.waiting_for || ${holders}::text[]) x)
           WHERE c.id = (SELECT max(id) FROM ${candidatesTable})`.execute(trx);
      }
    }
    // A noted value is final once none of the transactions it waited for is running (each holds its own virtualxid lock).
    const candidates = await sql<{ sequence_value: string; noted_at: Date; waiting: number }>`
      SELECT c.sequence_value, c.noted_at,
             (SELECT count(*) FROM pg_locks l WHERE l.locktype = 'virtualxid' AND l.virtualxid = ANY(c.waiting_for))::int AS waiting
        FROM ${candidatesTable} c ORDER BY c.sequence_value`.execute(trx);
    let horizon = previous;
    for (const c of candidates.rows) if (c.waiting === 0) horizon = Math.max(horizon, Number(c.sequence_value));
    const left = candidates.rows.filter((c) => Number(c.sequence_value) > horizon);
    await sql`DELETE FROM ${candidatesTable} WHERE sequence_value <= ${horizon}`.execute(trx);
    return {
      previous,
      horizon,
      waitingFor: left.length ? Math.max(...left.map((c) => c.waiting)) : 0,
      pendingUpTo: left.length ? Number(left[left.length - 1]!.sequence_value) : null,
      heldBackSince: left.length ? new Date(Math.min(...left.map((c) => new Date(c.noted_at).getTime()))) : null,
    };
  });
}

export interface RollupRefresh<R> {
  /** pg_advisory_lock key: one refresh of these rollups at a time (a second waits, then finds little to do). */
  lockKey: bigint;
  tables: HorizonTables;
  /** Source ids summed per transaction. */
  chunkIds: number;
  /** Stop after this many ids (the rest is left for the next refresh). */
  maxIds?: number | undefined;
  /** Isolation of the prepare and chunk transactions (default: read committed). */
  isolation?: 'repeatable read';
  /** First, in a transaction of its own: e.g. rows that fell out of the recent window go. */
  before: (trx: Db) => Promise<void>;
  /** Once the horizon and the target are known, before any chunk, in a transaction of its own. */
  prepare?: (trx: Db, from: number, to: number) => Promise<void>;
  /** Sums ids (lo, hi] into the rollups and moves the horizon to hi, in a transaction per chunk. */
  chunk: (trx: Db, lo: number, hi: number) => Promise<R>;
}

/**
 * Runs one refresh: under the advisory lock, `before`, the next horizon, then the ids between the old horizon and the
 * new one in chunks. A refresh with nothing to add still records when it ran. Returns the horizon read and each
 * chunk's result.
 */
export async function refreshRollups<R>(db: Db, r: RollupRefresh<R>): Promise<{ horizon: Horizon; reached: number; chunks: R[] }> {
  const chunk = Math.max(1, Math.floor(r.chunkIds));
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${r.lockKey.toString()}::bigint)`.execute(conn);
    const inTransaction = <T>(run: (trx: Db) => Promise<T>) =>
      (r.isolation ? conn.transaction().setIsolationLevel(r.isolation) : conn.transaction()).execute(run);
    try {
      await conn.transaction().execute(r.before);
      const h = await nextHorizon(conn, r.tables);
      let target = h.horizon;
      if (r.maxIds !== undefined) target = Math.min(target, h.previous + Math.max(0, Math.floor(r.maxIds)));
      if (r.prepare) await inTransaction((trx) => r.prepare!(trx, h.previous, target));
      const chunks: R[] = [];
      for (let lo = h.previous; lo < target;) {
        const hi = Math.min(target, lo + chunk);
        chunks.push(await inTransaction((trx) => r.chunk(trx, lo, hi)));
        lo = hi;
      }
      const reached = Math.max(h.previous, target);
      if (reached === h.previous) await sql`UPDATE ${sql.table(r.tables.state)} SET refreshed_at = now() WHERE id = 1`.execute(conn);
      return { horizon: h, reached, chunks };
    } finally {
      await sql`SELECT pg_advisory_unlock(${r.lockKey.toString()}::bigint)`.execute(conn);
    }
  });
}
