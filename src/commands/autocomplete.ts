// Suggestions while someone types an option marked `autocomplete` (Discord asks on every keystroke):
// the caller's own list names and own products, filtered by what was typed. Read-only and bounded.
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Identity } from '../domain/identities.ts';
import type { OptionDef } from './types.ts';

export const MAX_SUGGESTIONS = 25;

export interface Suggestion {
  /** What the person sees (adapters clip it to their limits). */
  label: string;
  /** What the option receives when picked. */
  value: string;
}

/** `typed` as a LIKE pattern matched anywhere, with its own % and _ taken literally. */
function contains(typed: string): string {
  return `%${typed
    .trim()
    .slice(0, 100)
    .replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function suggest(
  db: Db,
  identity: Pick<Identity, 'influencerId'>,
  kind: NonNullable<OptionDef['autocomplete']>,
  typed: string,
  limit = MAX_SUGGESTIONS,
): Promise<Suggestion[]> {
  const influencerId = identity.influencerId;
  if (!influencerId) return [];
  const n = Math.min(limit, MAX_SUGGESTIONS);
  if (kind === 'list') {
    const rows = await db
      .selectFrom('storefront_lists as l')
      .innerJoin('storefronts as s', 's.id', 'l.storefront_id')
      .select('l.name')
      .where('s.influencer_id', '=', influencerId)
      .where('l.name', 'ilike', contains(typed))
      .orderBy('l.position')
      .orderBy('l.id')
      .limit(n)
      .execute();
    return rows.map((r) => ({ label: r.name, value: r.name }));
  }
  // Products the caller has a link for (every storefront item has one), most recently linked first.
  const pattern = contains(typed);
  const rows = await db
    .selectFrom('links as k')
    .innerJoin('products as p', 'p.id', 'k.product_id')
    .select(['p.asin', sql<string | null>`max(p.title)`.as('title'), sql<Date>`max(k.created_at)`.as('latest')])
    .where('k.influencer_id', '=', influencerId)
    .where('k.disabled_at', 'is', null)
    .where((eb) => eb.or([eb('p.asin', 'ilike', pattern), eb('p.title', 'ilike', pattern)]))
    .groupBy('p.asin')
    .orderBy('latest', 'desc')
    .orderBy('p.asin')
    .limit(n)
    .execute();
  return rows.map((r) => ({ label: r.title ? `${r.asin} · ${r.title}` : r.asin, value: r.asin }));
}
