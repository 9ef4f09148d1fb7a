// Tracking ID claim cards: the claimant's own claims (in /storefront show) with a Withdraw button, the managers'
// list with Approve and Refuse buttons, and the answer to whoever decided.
import type { TrackingIdClaimReason, TrackingIdClaimStatus } from '../db/schema.ts';
import type { PlacedClaim } from '../domain/organisations/types.ts';
import type { ClaimAction, ClaimDecision, ClaimView } from '../domain/workspaces/trackingIdClaims.ts';
import {
  actions,
  card,
  context,
  header,
  line,
  list,
  text,
  type ActionButton,
  type ActionsElement,
  type Card,
  type CardLine,
  type ListElement,
} from './card.ts';
import { marketLabel } from './labels.ts';
import { infoCard, successCard } from './status.ts';
import { pluralWord } from './text.ts';

/** The action ids of the claim buttons; the command core (src/commands/actions.ts) runs a press of each. */
export const CLAIM_ACTION_IDS: Record<ClaimAction, string> = { approve: 'claim_approve', refuse: 'claim_refuse', withdraw: 'claim_withdraw' };

const day = (d: Date) => d.toISOString().slice(0, 10);
const lines = (n: number) => `${n} ${pluralWord(n, 'line')}`;

/** Why a claim waits, in the claimant's words. */
export function claimReasonText(reason: TrackingIdClaimReason): string {
  return reason === 'held' ? 'another storefront here holds it' : 'this organisation already has commission lines for it';
}

/** What a claimant reads when their tracking ID waits for verification. */
export function waitingText(claim: Pick<PlacedClaim, 'id' | 'trackingId' | 'marketplace' | 'reason'>, verificationHint: string): string {
  return (
    `Tracking ID ${claim.trackingId} (${marketLabel(claim.marketplace)}) is waiting for verification (claim #${claim.id}): ${claimReasonText(claim.reason)}. ` +
    `No figure of it shows to you until then; your links use it meanwhile. ${verificationHint}`
  );
}

export function withdrawButton(claimId: number): ActionButton {
  return { label: 'Withdraw claim', actionId: CLAIM_ACTION_IDS.withdraw, value: String(claimId), group: `claim-${claimId}` };
}

const STATUS_DETAIL: Record<Exclude<TrackingIdClaimStatus, 'pending'>, string> = {
  approved: 'approved by a manager',
  verified_by_report: 'verified by a report of this organisation',
  refused: 'refused by a manager',
  withdrawn: 'withdrawn',
};

/** An influencer's own claims (pending and recently decided), as /storefront show lists them. */
export function ownClaimLines(claims: readonly ClaimView[]): CardLine[] {
  return claims.map((c) => {
    const label = `${c.trackingId} (${marketLabel(c.marketplace)}) · claim #${c.id}`;
    if (c.status === 'pending')
      return line(label, { detail: `waiting for verification since ${day(c.createdAt)} (${claimReasonText(c.reason)}): no figures until then` });
    const after =
      c.status === 'approved' || c.status === 'verified_by_report'
        ? c.reason === 'held'
          ? 'its new lines are yours from then on'
          : 'its figures are yours now'
        : 'it shows you nothing';
    return line(label, { detail: `${STATUS_DETAIL[c.status]} on ${day(c.decidedAt ?? c.createdAt)}: ${after}` });
  });
}

/** The claims section of /storefront show, and a Withdraw button for each pending claim. */
export function ownClaimsElements(claims: readonly ClaimView[]): { list?: ListElement; actions?: ActionsElement } {
  if (claims.length === 0) return {};
  const pending = claims.filter((c) => c.status === 'pending');
  return { list: list('Tracking ID claims', ownClaimLines(claims)), ...(pending.length ? { actions: actions(pending.map((c) => withdrawButton(c.id))) } : {}) };
}

function managerLine(c: ClaimView): CardLine {
  const why = c.holder
    ? `held by @${c.holder.handle}: approving moves it to @${c.claimant.handle} for lines from then on (lines already credited stay with @${c.holder.handle})`
    : 'nobody here holds it and this organisation has lines of it: approving gives them to the claimant';
  return line(`#${c.id} ${c.trackingId} (${marketLabel(c.marketplace)}) — @${c.claimant.handle}`, { detail: `${why} · claimed ${day(c.createdAt)}` });
}

/** /storefront claims: the waiting claims, each with its Approve and Refuse buttons (one group, one row). */
export function pendingClaimsCard(claims: readonly ClaimView[], total: number): Card {
  if (total === 0) return infoCard('No tracking ID claims are waiting for a decision.');
  return card({ visibility: 'ephemeral', tone: 'info' }, [
    header('Tracking ID claims'),
    text(
      `${total} tracking ID ${pluralWord(total, 'claim')} ${pluralWord(total, 'waits', 'wait')} for a decision. Approve or refuse each below, or type /storefront claims approve|refuse <#number>.`,
    ),
    list('Waiting', claims.map(managerLine), total > claims.length ? { more: total - claims.length } : {}),
    actions(
      claims.flatMap((c): ActionButton[] => [
        { label: `Approve #${c.id}`, actionId: CLAIM_ACTION_IDS.approve, value: String(c.id), style: 'primary', group: `claim-${c.id}` },
        { label: `Refuse #${c.id}`, actionId: CLAIM_ACTION_IDS.refuse, value: String(c.id), style: 'danger', group: `claim-${c.id}` },
      ]),
    ),
    context(
      'A claim on a tracking ID nobody here holds is also verified when this organisation loads an Amazon report that carries it, received after the claim. A claim on a held tracking ID is only ever decided here.',
    ),
  ]);
}

const STATUS_WORD: Record<Exclude<TrackingIdClaimStatus, 'pending'>, string> = {
  approved: 'approved',
  refused: 'refused',
  verified_by_report: 'verified by a report',
  withdrawn: 'withdrawn by its claimant',
};

/** The answer to whoever decided (the manager, or the claimant withdrawing). */
export function decisionCard(action: ClaimAction, d: ClaimDecision): Card {
  const c = d.claim;
  if (d.outcome === 'already') {
    const status = c.status as Exclude<TrackingIdClaimStatus, 'pending'>;
    return infoCard(
      `Claim #${c.id} for ${c.trackingId} (@${c.claimant.handle}) was already ${STATUS_WORD[status]} on ${day(c.decidedAt ?? c.createdAt)}; nothing changed.`,
    );
  }
  if (action === 'withdraw')
    return successCard(`You withdrew claim #${c.id} for ${c.trackingId}. It shows you nothing; run /storefront setup again to claim it later.`);
  const told = (message: string) =>
    card({ visibility: 'ephemeral', tone: 'success' }, [text(message), context(`@${c.claimant.handle} sees the outcome in /storefront show.`)]);
  if (action === 'refuse') {
    const stays = c.holder ? `stays with @${c.holder.handle}` : 'stays unregistered';
    return told(
      `Refused claim #${c.id}: @${c.claimant.handle}'s claim to ${c.trackingId} is closed. ${c.trackingId} ${stays}, and @${c.claimant.handle} sees none of its figures.`,
    );
  }
  if (d.movedFrom) {
    return told(
      `Approved claim #${c.id}: ${c.trackingId} moves from @${d.movedFrom.handle} to @${c.claimant.handle} for lines from now on. Lines already credited stay with @${d.movedFrom.handle}.`,
    );
  }
  return told(
    `Approved claim #${c.id}: ${c.trackingId} is now @${c.claimant.handle}'s; ${lines(d.attributedLines)} of it waiting here became theirs and show in their /earnings.`,
  );
}
