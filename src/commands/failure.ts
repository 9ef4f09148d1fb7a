// What a person sees when answering them failed, wherever it failed (a command, a button, or the adapter resolving
// who they are before either runs): a user error as it is; anything else logged with a short reference they can
// quote to an operator, who finds the line by it.
import { randomUUID } from 'node:crypto';
import { errorCard } from '../cards/status.ts';
import { isUserError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Card } from './types.ts';

export function failureCard(err: unknown, log: Logger, message: string, fields: Record<string, unknown> = {}): Card {
  if (isUserError(err)) return errorCard(err.message);
  const ref = randomUUID().slice(0, 8);
  log.error({ err, ref, ...fields }, message);
  return errorCard(`Something went wrong on our side (reference ${ref}). Please try again.`);
}

/** The card `work` answers with, or its failure's card. */
export async function cardOrFailure(log: Logger, message: string, work: () => Promise<Card>): Promise<Card> {
  try {
    return await work();
  } catch (err) {
    return failureCard(err, log, message);
  }
}
