// What slash commands and button presses share: the command core's context for a Discord caller
// and Discord's 3-second rule (answer at once, or defer privately and deliver later).
import type { Response } from 'express';
import type { Card, CommandContext } from '../../../src/commands/index.ts';
import { track, type DiscordDeps } from '../deps.ts';
import { discordIdentity, type DiscordCaller } from '../identity.ts';
import { EPHEMERAL } from '../render.ts';

export const RESPONSE_CALLBACK = { PONG: 1, CHANNEL_MESSAGE: 4, DEFERRED_CHANNEL_MESSAGE: 5, DEFERRED_UPDATE_MESSAGE: 6, AUTOCOMPLETE_RESULT: 8 } as const;
/** An interaction token lets us edit the answer for 15 minutes; past that the edit would fail anyway. */
export const INTERACTION_TOKEN_MS = 15 * 60_000;

/** Resolves to the value if it comes within ms, otherwise to undefined (the work carries on). */
export function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** The command core's context for a caller, whose identity comes from the interaction itself. */
export async function commandContext(deps: DiscordDeps, caller: DiscordCaller): Promise<CommandContext> {
  return {
    db: deps.db,
    readDb: deps.readDb,
    config: deps.config,
    identity: await discordIdentity(deps.db, caller),
    resolveShort: deps.resolveShort,
    channelId: caller.channelId,
    isDirectMessage: caller.isDirectMessage,
  };
}

/**
 * Discord wants the HTTP answer within 3 seconds: a reply ready within deferAfterMs is answered directly;
 * otherwise a private placeholder (type 5) goes out now and `deliverLater` delivers the reply when it is ready.
 */
export async function answerInTime(
  deps: DiscordDeps,
  res: Response,
  start: () => Promise<Card>,
  answerNow: (reply: Card) => Promise<void> | void,
  deliverLater: (reply: Card, receivedAt: number) => Promise<void>,
): Promise<void> {
  const receivedAt = Date.now();
  const work = start();
  const early = await within(work, deps.deferAfterMs);
  if (early) {
    await answerNow(early);
    return;
  }
  // Every command's private answers (errors, earnings, links) must stay private, so the placeholder is too.
  res.json({ type: RESPONSE_CALLBACK.DEFERRED_CHANNEL_MESSAGE, data: { flags: EPHEMERAL } });
  track(
    deps,
    work.then((reply) => deliverLater(reply, receivedAt)),
  );
}
