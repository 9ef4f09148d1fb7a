// Tracking ID claims in chat: managers list their organisation's pending claims with Approve and Refuse buttons
// (/storefront claims), or decide by number (/storefront claims approve #12); a claimant may withdraw their claim.
// The buttons and the typed form end in the same decision (src/domain/workspaces/trackingIdClaims.ts), which checks who asks;
// the cards are composed in src/cards/claims.ts.
import { decisionCard, pendingClaimsCard } from '../cards/claims.ts';
import { claimsOf, decideClaim, pendingClaims, type ClaimAction } from '../domain/workspaces/trackingIdClaims.ts';
import { UserError } from '../errors.ts';
import type { Card, CommandContext, Subcommand } from './types.ts';

export { CLAIM_ACTION_IDS } from '../cards/claims.ts';

/** Claims shown with their buttons on one card (Discord allows 5 rows of buttons; one row per claim). */
export const CLAIMS_SHOWN = 5;

/** An influencer's own claims (pending and recently decided) for /storefront show. */
export function ownClaims(ctx: CommandContext, influencerId: number) {
  return claimsOf(ctx.db, influencerId, 30, ctx.now?.());
}

const parseClaimNumber = (raw: string | undefined): number => {
  const m = /^#?(\d{1,15})$/.exec((raw ?? '').trim());
  if (!m) throw new UserError('invalid_input', 'Say which claim by its number, like #12 (see /storefront claims).');
  return Number(m[1]);
};

/** Runs a decision and logs who decided what (the claims table keeps it too). */
export async function runClaimDecision(ctx: CommandContext, action: ClaimAction, claimId: number): Promise<Card> {
  const d = await decideClaim(ctx.db, ctx.identity, action, claimId, ctx.now?.());
  ctx.log?.info(
    {
      claimId,
      action,
      outcome: d.outcome,
      trackingId: d.claim.trackingId,
      claimant: d.claim.claimant.handle,
      movedFrom: d.movedFrom?.handle,
      attributedLines: d.attributedLines,
      identity: ctx.identity.id,
      platform: ctx.identity.platform,
      workspace: ctx.identity.workspaceId,
      user: ctx.identity.userId,
      organisation: ctx.identity.organisationId,
    },
    d.outcome === 'decided' ? 'tracking ID claim decided' : 'tracking ID claim already decided',
  );
  return decisionCard(action, d);
}

export const claimsSubcommand: Subcommand = {
  name: 'claims',
  description: 'Tracking ID claims waiting for a decision: approve or refuse them (managers)',
  managerOnly: true,
  options: [
    { name: 'action', type: 'string', choices: ['list', 'approve', 'refuse'], description: 'list (default), approve or refuse' },
    { name: 'claim', type: 'string', description: 'the claim number, like #12', maxLength: 20 },
  ],
  async execute(args, ctx) {
    const action = (args.action as string | undefined) ?? 'list';
    if (action === 'approve' || action === 'refuse') return runClaimDecision(ctx, action, parseClaimNumber(args.claim as string | undefined));
    if (args.claim !== undefined) throw new UserError('invalid_input', 'To decide a claim, say approve or refuse: /storefront claims approve #12.');
    const { claims, total } = await pendingClaims(ctx.db, ctx.identity.organisationId, CLAIMS_SHOWN);
    return pendingClaimsCard(claims, total);
  },
};
