// Issuing and spending the short-lived codes that link two chat accounts (account_link_codes) or two workspaces
// (workspace_link_codes): both tables keep a code's hash, its issuer, its expiry and when it was used.
import type { Selectable, Transaction } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { Database } from '../../db/schema.ts';
import { readCode } from '../common/oneTimeCodes.ts';

type LinkCodeTable = 'account_link_codes' | 'workspace_link_codes';

/**
 * Marks the code with hash `codeHash` used, if it is unused and unexpired, and returns its row; undefined for a
 * wrong, spent or expired code. One statement, so of two people typing the same code only one spends it.
 */
function spendLinkCode<T extends LinkCodeTable>(trx: Transaction<Database>, table: T, codeHash: string, now: Date) {
  return trx
    .updateTable(table as LinkCodeTable)
    .set({ used_at: now })
    .where('code', '=', codeHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst() as Promise<Selectable<Database[T]> | undefined>;
}

/**
 * Stores a new code (its hash) for `identityId`, removing that identity's unused ones in the same transaction, so
 * only the latest code shown is live. `extra` holds the table's own columns (a server-link code's organisation).
 */
export async function replaceLinkCode(
  db: Db,
  table: LinkCodeTable,
  identityId: number,
  code: { hash: string; expiresAt: Date; extra?: { organisation_id: number } },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom(table).where('identity_id', '=', identityId).where('used_at', 'is', null).execute();
    // The union of the two tables' insert types is not one Kysely can check: each table's columns are given above.
    const values = { code: code.hash, identity_id: identityId, expires_at: code.expiresAt, used_at: null, ...code.extra };
    await trx
      .insertInto(table)
      .values(values as never)
      .execute();
  });
}

/**
 * Reads the code a person typed, spends it and runs `then` in the same transaction: `wrong` is thrown for a code
 * that cannot be one, or is unknown, spent or expired (they read the same), and anything `then` throws rolls the
 * spending back, so the code stays usable for the right account.
 */
export async function redeemWithLinkCode<T extends LinkCodeTable, R>(
  db: Db,
  table: T,
  code: { raw: string; pattern: RegExp; hash: (code: string) => string; wrong: Error; now: Date },
  then: (trx: Transaction<Database>, spent: Selectable<Database[T]>) => Promise<R>,
): Promise<R> {
  const typed = readCode(code.raw, code.pattern, code.wrong);
  return db.transaction().execute(async (trx) => {
    const spent = await spendLinkCode(trx, table, code.hash(typed), code.now);
    if (!spent) throw code.wrong;
    return then(trx, spent);
  });
}
