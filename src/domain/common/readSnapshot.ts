// One consistent view for a read made of several queries (the earnings and click readers: a horizon, then sums above
// and below it), whether or not the caller is already in a transaction.
import type { Db } from '../../db/database.ts';

/**
 * Runs `read` in the caller's transaction when `db` is one (`own` false: its isolation is the caller's business),
 * else in a REPEATABLE READ, read-only transaction of its own (`own` true: `read` may set transaction-local
 * settings such as `jit`, which would otherwise outlive it in the caller's transaction).
 */
export function inReadSnapshot<T>(db: Db, read: (conn: Db, own: boolean) => Promise<T>): Promise<T> {
  if (db.isTransaction) return read(db, false);
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute((trx) => read(trx, true));
}
