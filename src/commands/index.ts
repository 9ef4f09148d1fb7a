// Every command, in the order help lists them. Slack's manifest and Discord's registration read this list.
import { digestCommand } from './digest.ts';
import { earningsCommand } from './earnings.ts';
import { linkCommand } from './link.ts';
import { storefrontCommand } from './storefront.ts';
import type { CommandDef } from './types.ts';

export const COMMANDS: readonly CommandDef[] = [storefrontCommand, linkCommand, earningsCommand, digestCommand];

export function findCommand(name: string): CommandDef | undefined {
  const n = name.replace(/^\//, '').toLowerCase();
  return COMMANDS.find((c) => c.name === n);
}

export { parseText, runCommand, helpReply } from './run.ts';
export { cardOrFailure, failureCard } from './failure.ts';
export { ACTIONS, findAction, runAction, type ActionDef } from './actions.ts';
export type { Card, CommandContext, CommandDef } from './types.ts';
