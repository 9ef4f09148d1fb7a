// Tracking ID claims in chat: managers list their organisation's pending claims with Approve and Refuse buttons
// (/storefront claims), or decide by number (/storefront claims approve #12); a claimant may withdraw their claim.
// The buttons and the typed form end in the same decision (src/domain/trackingIdClaims.ts), which checks who asks.
import { MARKETPLACES } from '../domain/amazon/marketplaces.ts';
import { claimsOf, decideClaim, pendingClaims, type ClaimAction, type ClaimDecision, type ClaimView } from '../domain/trackingIdClaims.ts';
import type { TrackingIdClaimReason, TrackingIdClaimStatus } from '../db/schema.ts';
import { UserError } from '../errors.ts';
import { infoReply, successReply } from './replies.ts';
import type { CommandContext, Reply, ReplyLine, Subcommand } from './types.ts';
import type { ReplyAction } from '../reply.ts';

/** Claims shown with their buttons on one card (Discord allows 5 rows of buttons; one row per claim). */
export const CLAIMS_SHOWN = 5;

export const CLAIM_ACTION_IDS: Record<ClaimAction, string> = { approve: 'claim_approve', refuse: 'claim_refuse', withdraw: 'claim_withdraw' };

const day = (d: Date) => d.toISOString().slice(0, 10);
const lines = (n: number) => `${n} line${n === 1 ? '' : 's'}`;

export function marketLabel(code: string): string {
  const m = MARKETPLACES.get(code);
  return m ? `amazon.${m.tld}` : code;
}

/** Why a claim waits, in the claimant's words. */
export function claimReasonText(reason: TrackingIdClaimReason): string {
  return reason === 'held' ? 'another storefront here holds it' : 'this organisation already has commission lines for it';
}

export function withdrawAction(claimId: number): ReplyAction {
  return { label: 'Withdraw claim', actionId: CLAIM_ACTION_IDS.withdraw, value: String(claimId), group: `claim-${claimId}` };
}

const STATUS_DETAIL: Record<Exclude<TrackingIdClaimStatus, 'pending'>, string> = {
  approved: 'approved by a manager',
  verified_by_report: 'verified by a report of this organisation',
  refused: 'refused by a manager',
  withdrawn: 'withdrawn',
};

/** An influencer's own claims (pending and recently decided), as /storefront show lists them. */
export function ownClaimLines(claims: ClaimView[]): ReplyLine[] {
  return claims.map((c) => {
    const text = `${c.trackingId} (${marketLabel(c.marketplace)}) · claim #${c.id}`;
    if (c.status === 'pending') return { text, detail: `waiting for verification since ${day(c.createdAt)} (${claimReasonText(c.reason)}): no figures until then` };
    const after =
      c.status === 'approved' || c.status === 'verified_by_report'
        ? c.reason === 'held'
          ? 'its new lines are yours from then on'
          : 'its figures are yours now'
        : 'it shows you nothing';
    return { text, detail: `${STATUS_DETAIL[c.status]} on ${day(c.decidedAt ?? c.createdAt)}: ${after}` };
  });
}

/** The claims section of /storefront show, with a Withdraw button for the pending one. */
export async function ownClaimsSection(ctx: CommandContext, influencerId: number): Promise<Pick<Reply, 'sections' | 'actions'>> {
  const claims = await claimsOf(ctx.db, influencerId, 30, ctx.now?.());
  if (claims.length === 0) return {};
  const pending = claims.filter((c) => c.status === 'pending');
  return { sections: [{ title: 'Tracking ID claims', lines: ownClaimLines(claims) }], ...(pending.length ? { actions: pending.map((c) => withdrawAction(c.id)) } : {}) };
}

function managerLine(c: ClaimView): ReplyLine {
  const why = c.holder
    ? `held by @${c.holder.handle}: approving moves it to @${c.claimant.handle} for lines from then on (lines already credited stay with @${c.holder.handle})`
    : 'nobody here holds it and this organisation has lines of it: approving gives them to the claimant';
  return { text: `#${c.id} ${c.trackingId} (${marketLabel(c.marketplace)}) — @${c.claimant.handle}`, detail: `${why} · claimed ${day(c.createdAt)}` };
}

const parseClaimNumber = (raw: string | undefined): number => {
  const m = /^#?(\d{1,15})$/.exec((raw ?? '').trim());
  if (!m) throw new UserError('invalid_input', 'Say which claim by its number, like #12 (see /storefront claims).');
  return Number(m[1]);
};

const STATUS_WORD: Record<Exclude<TrackingIdClaimStatus, 'pending'>, string> = {
  approved: 'approved',
  refused: 'refused',
  verified_by_report: 'verified by a report',
  withdrawn: 'withdrawn by its claimant',
};

/** The answer to whoever decided (the manager, or the claimant withdrawing). */
export function decisionReply(action: ClaimAction, d: ClaimDecision): Reply {
  const c = d.claim;
  if (d.outcome === 'already') {
    const status = c.status as Exclude<TrackingIdClaimStatus, 'pending'>;
    return infoReply(`Claim #${c.id} for ${c.trackingId} (@${c.claimant.handle}) was already ${STATUS_WORD[status]} on ${day(c.decidedAt ?? c.createdAt)}; nothing changed.`);
  }
  const told = { footer: `@${c.claimant.handle} sees the outcome in /storefront show.` };
  if (action === 'withdraw') return successReply(`You withdrew claim #${c.id} for ${c.trackingId}. It shows you nothing; run /storefront setup again to claim it later.`);
  if (action === 'refuse') {
    const stays = c.holder ? `stays with @${c.holder.handle}` : 'stays unregistered';
    return successReply(`Refused claim #${c.id}: @${c.claimant.handle}'s claim to ${c.trackingId} is closed. ${c.trackingId} ${stays}, and @${c.claimant.handle} sees none of its figures.`, told);
  }
  if (d.movedFrom) {
    return successReply(
      `Approved claim #${c.id}: ${c.trackingId} moves from @${d.movedFrom.handle} to @${c.claimant.handle} for lines from now on. Lines already credited stay with @${d.movedFrom.handle}.`,
      told,
    );
  }
  return successReply(`Approved claim #${c.id}: ${c.trackingId} is now @${c.claimant.handle}'s; ${lines(d.attributedLines)} of it waiting here became theirs and show in their /earnings.`, told);
}

/** Runs a decision and logs who decided what (the claims table keeps it too). */
export async function runClaimDecision(ctx: CommandContext, action: ClaimAction, claimId: number): Promise<Reply> {
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
  return decisionReply(action, d);
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
    if (total === 0) return infoReply('No tracking ID claims are waiting for a decision.');
    return infoReply(`${total} tracking ID claim${total === 1 ? '' : 's'} wait${total === 1 ? 's' : ''} for a decision. Approve or refuse each below, or type /storefront claims approve|refuse <#number>.`, {
      title: 'Tracking ID claims',
      sections: [{ title: 'Waiting', lines: claims.map(managerLine), ...(total > claims.length ? { more: total - claims.length } : {}) }],
      actions: claims.flatMap((c): ReplyAction[] => [
        { label: `Approve #${c.id}`, actionId: CLAIM_ACTION_IDS.approve, value: String(c.id), style: 'primary', group: `claim-${c.id}` },
        { label: `Refuse #${c.id}`, actionId: CLAIM_ACTION_IDS.refuse, value: String(c.id), style: 'danger', group: `claim-${c.id}` },
      ]),
      footer: 'A claim on a tracking ID nobody here holds is also verified when this organisation loads an Amazon report that carries it, received after the claim. A claim on a held tracking ID is only ever decided here.',
    });
  },
};
