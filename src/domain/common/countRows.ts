// Counting what a query matches, for the checks that refuse a change while something still depends on it.
import type { SelectQueryBuilder } from 'kysely';

/** How many rows `query` (a selectFrom with its joins and wheres, nothing selected yet) matches. */
export async function countRows<DB, TB extends keyof DB>(query: SelectQueryBuilder<DB, TB, object>): Promise<number> {
  // Kysely cannot narrow the selection over any DB: the count is the one column selected.
  const row = (await query.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst()) as { n: string | number | bigint } | undefined;
  return Number(row?.n ?? 0);
}
