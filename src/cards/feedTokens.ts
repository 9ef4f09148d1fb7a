// Feed token cards (/storefront feed-token): the list, a revoked token, and a new token shown once.
import type { FeedTokenInfo } from '../domain/feeds/feedTokens.ts';
import { card, context, field, fields, header, line, list, text, type Card } from './card.ts';
import { infoCard, successCard } from './status.ts';
import { pluralWord } from './text.ts';

const when = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : 'never');

export function feedTokensCard(tokens: readonly FeedTokenInfo[]): Card {
  if (tokens.length === 0) return infoCard('This organisation has no feed tokens. Create one with /storefront feed-token create <name>.');
  return card({ visibility: 'ephemeral', tone: 'info' }, [
    header('Feed tokens'),
    text(`${tokens.length} active feed ${pluralWord(tokens.length, 'token')}. Revoke one with /storefront feed-token revoke <#number>.`),
    list(
      'Active',
      tokens.map((t) => line(`#${t.id} ${t.name}`, { detail: `…${t.hint} · created ${when(t.createdAt)} · last used ${when(t.lastUsedAt)}` })),
    ),
  ]);
}

export function feedTokenRevokedCard(t: Pick<FeedTokenInfo, 'id' | 'name' | 'hint'>): Card {
  return successCard(`Feed token #${t.id} “${t.name}” (…${t.hint}) is revoked: uploads with it are refused from now on.`);
}

/** The new token, shown this once, with the upload command ready to copy. */
export function feedTokenCreatedCard(d: { id: number; name: string; token: string; endpoint: string; networks: readonly string[] }): Card {
  return card({ visibility: 'ephemeral', tone: 'success' }, [
    header(`Feed token #${d.id} “${d.name}”`),
    text('Here is your feed token. Copy it now: it is shown only this once, and only its fingerprint is kept.'),
    fields([field('Token', d.token)]),
    list('Upload a report with it', [line(`curl -H "Authorization: Bearer ${d.token}" --data-binary @Fee-Earnings.xlsx ${d.endpoint}`)]),
    context(
      `Reports uploaded with it belong to this organisation, and it reads back only this organisation's ingests. Networks: ${d.networks.join(', ')}. Revoke it with /storefront feed-token revoke #${d.id}.`,
    ),
  ]);
}
