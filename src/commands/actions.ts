// Action buttons (a card's actions element): what a press does, written once for both platforms. The adapters map a
// Slack block_actions payload or a Discord component interaction onto (actionId, value, identity) and render the card.
// A press carries whatever its sender put in it (a forged payload too): each action checks who pressed and what.
import { failureCard } from './failure.ts';
import type { Logger } from '../log.ts';
import { CLAIM_ACTION_IDS, runClaimDecision } from './claims.ts';
import type { Card, CommandContext } from './types.ts';
import type { ClaimAction } from '../domain/workspaces/trackingIdClaims.ts';

export interface ActionDef {
  id: string;
  run(value: string, ctx: CommandContext): Promise<Card>;
}

function claimNumber(value: string): number {
  return /^\d{1,15}$/.test(value) ? Number(value) : 0;
}

const claimAction = (action: ClaimAction): ActionDef => ({
  id: CLAIM_ACTION_IDS[action],
  run: (value, ctx) => runClaimDecision(ctx, action, claimNumber(value)),
});

export const ACTIONS: readonly ActionDef[] = [claimAction('approve'), claimAction('refuse'), claimAction('withdraw')];

/** Longest value a press carries back (claim numbers are short; anything longer is not ours). */
export const MAX_ACTION_VALUE = 64;

export function findAction(actionId: string): ActionDef | undefined {
  return ACTIONS.find((a) => a.id === actionId);
}

/** Runs a known action; every failure becomes a reply a person understands (never a stack trace). */
export async function runAction(def: ActionDef, value: string, ctx: CommandContext, log: Logger): Promise<Card> {
  try {
    return await def.run(value.slice(0, MAX_ACTION_VALUE), { ...ctx, log: ctx.log ?? log });
  } catch (err) {
    return failureCard(err, log, 'action failed', { action: def.id, identity: ctx.identity.id });
  }
}
