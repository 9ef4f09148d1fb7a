// Suggestions while someone types an option marked `autocomplete` (Discord asks on every keystroke):
// the caller's own list names and own products, filtered by what was typed. Read-only and bounded.
import type { Db } from '../db/database.ts';
import type { Identity } from '../domain/workspaces/identities.ts';
import { linkedProductsLike } from '../domain/links/linkList.ts';
import { storefrontListNamesLike } from '../domain/storefront/storefronts.ts';
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
    const names = await storefrontListNamesLike(db, influencerId, contains(typed), n);
    return names.map((name) => ({ label: name, value: name }));
  }
  // Products the caller has a link for (every storefront item has one), most recently linked first.
  const rows = await linkedProductsLike(db, influencerId, contains(typed), n);
  return rows.map((r) => ({ label: r.title ? `${r.asin} · ${r.title}` : r.asin, value: r.asin }));
}
