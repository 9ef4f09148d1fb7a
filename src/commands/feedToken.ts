// /storefront feed-token create|list|revoke: managers give scripts and networks a token that uploads reports for
// their organisation (and reads back only its own ingests). The token is shown once; only its digest is kept.
import { UserError } from '../errors.ts';
import { createFeedToken, listFeedTokens, revokeFeedToken, type FeedTokenInfo } from '../domain/feedTokens.ts';
import { NETWORKS } from '../domain/ingest/networks.ts';
import { infoReply, successReply } from './replies.ts';
import type { Subcommand } from './types.ts';

const when = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : 'never');
const line = (t: FeedTokenInfo) => ({ text: `#${t.id} ${t.name}`, detail: `…${t.hint} · created ${when(t.createdAt)} · last used ${when(t.lastUsedAt)}` });

export const feedTokenSubcommand: Subcommand = {
  name: 'feed-token',
  description: 'Feed tokens that upload reports for this organisation: create, list or revoke (managers)',
  managerOnly: true,
  options: [
    { name: 'action', type: 'string', required: true, choices: ['create', 'list', 'revoke'], description: 'create, list or revoke' },
    { name: 'token', type: 'string', rest: true, description: 'create: a name for it; revoke: its number (#3) or last 4 characters', maxLength: 60 },
  ],
  async execute(args, ctx) {
    const organisationId = ctx.identity.organisationId;
    const action = String(args.action);
    const which = (args.token as string | undefined)?.trim();
    if (action === 'list') {
      const tokens = await listFeedTokens(ctx.db, organisationId);
      if (tokens.length === 0) return infoReply('This organisation has no feed tokens. Create one with /storefront feed-token create <name>.');
      return infoReply(`${tokens.length} active feed token${tokens.length === 1 ? '' : 's'}. Revoke one with /storefront feed-token revoke <#number>.`, {
        title: 'Feed tokens',
        sections: [{ title: 'Active', lines: tokens.map(line) }],
      });
    }
    if (action === 'revoke') {
      if (!which) throw new UserError('invalid_input', 'Say which token to revoke: /storefront feed-token revoke <#number or last 4 characters> (see /storefront feed-token list).');
      const revoked = await revokeFeedToken(ctx.db, { organisationId, which, revokedByIdentityId: ctx.identity.id });
      return successReply(`Feed token #${revoked.id} “${revoked.name}” (…${revoked.hint}) is revoked: uploads with it are refused from now on.`);
    }
    const created = await createFeedToken(ctx.db, { organisationId, name: which ?? 'feed', createdByIdentityId: ctx.identity.id });
    const endpoint = `${ctx.config.PUBLIC_BASE_URL}/api/feeds/amazon`;
    return successReply('Here is your feed token. Copy it now: it is shown only this once, and only its fingerprint is kept.', {
      title: `Feed token #${created.id} “${created.name}”`,
      fields: [{ label: 'Token', value: created.token }],
      sections: [
        {
          title: 'Upload a report with it',
          lines: [{ text: `curl -H "Authorization: Bearer ${created.token}" --data-binary @Fee-Earnings.xlsx ${endpoint}` }],
        },
      ],
      footer: `Reports uploaded with it belong to this organisation, and it reads back only this organisation's ingests. Networks: ${NETWORKS.join(', ')}. Revoke it with /storefront feed-token revoke #${created.id}.`,
    });
  },
};
