// Spending the short-lived codes that link two chat accounts (account_link_codes) or two workspaces
// (workspace_link_codes): both tables keep a code's hash, its issuer, its expiry and when it was used.
import type { Selectable, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';

type LinkCodeTable = 'account_link_codes' | 'workspace_link_codes';

/**
 * Marks the code with hash `codeHash` used, if it is unused and unexpired, and returns its row; undefined for a
 * wrong, spent or expired code. One statement, so of two people typing the same code only one spends it.
 */
export function spendLinkCode<T extends LinkCodeTable>(trx: Transaction<Database>, table: T, codeHash: string, now: Date) {
  return trx
    .updateTable(table as LinkCodeTable)
    .set({ used_at: now })
    .where('code', '=', codeHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst() as Promise<Selectable<Database[T]> | undefined>;
}
