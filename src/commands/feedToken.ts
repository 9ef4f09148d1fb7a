// /storefront feed-token create|list|revoke: managers give scripts and networks a token that uploads reports for
// their organisation (and reads back only its own ingests). The token is shown once; only its digest is kept.
import { UserError } from '../errors.ts';
import { feedTokenCreatedCard, feedTokenRevokedCard, feedTokensCard } from '../cards/feedTokens.ts';
import { createFeedToken, listFeedTokens, revokeFeedToken } from '../domain/feeds/feedTokens.ts';
import { NETWORKS } from '../domain/ingest/networks.ts';
import type { Subcommand } from './types.ts';

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
      return feedTokensCard(await listFeedTokens(ctx.db, organisationId));
    }
    if (action === 'revoke') {
      if (!which)
        throw new UserError(
          'invalid_input',
          'Say which token to revoke: /storefront feed-token revoke <#number or last 4 characters> (see /storefront feed-token list).',
        );
      const revoked = await revokeFeedToken(ctx.db, { organisationId, which, revokedByIdentityId: ctx.identity.id });
      return feedTokenRevokedCard(revoked);
    }
    const created = await createFeedToken(ctx.db, { organisationId, name: which ?? 'feed', createdByIdentityId: ctx.identity.id });
    return feedTokenCreatedCard({
      id: created.id,
      name: created.name,
      token: created.token,
      endpoint: `${ctx.config.PUBLIC_BASE_URL}/api/feeds/amazon`,
      networks: NETWORKS,
    });
  },
};
