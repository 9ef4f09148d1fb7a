// Button presses (interaction type 3). Action buttons of the command core (src/commands/actions.ts) carry
// custom_id "<action>:<value>": resolve who pressed (the interaction's member and permissions, never the value), run
// the action and answer with a private message, at once or deferred (type 5) and edited in when it takes longer.
// Any other component (a stale message, another version) is answered at once with a private note that it is gone.
import { randomUUID } from 'node:crypto';
import { ComponentType, Routes, type APIMessageComponentInteraction } from 'discord-api-types/v10';
import type { Response } from 'express';
import { findAction, runAction, type ActionDef, type Card } from '../../../src/commands/index.ts';
import { withVisibility } from '../../../src/cards/card.ts';
import { errorCard, notHandledCard } from '../../../src/cards/status.ts';
import { isUserError } from '../../../src/errors.ts';
import { track, type DiscordDeps } from '../deps.ts';
import { callerOf, discordIdentity } from '../identity.ts';
import { EPHEMERAL, parseCustomId, renderReply } from '../render.ts';
import { INTERACTION_TOKEN_MS, RESPONSE_CALLBACK, within } from './commands.ts';

async function replyForPress(deps: DiscordDeps, interaction: APIMessageComponentInteraction, def: ActionDef, value: string): Promise<Card> {
  const caller = callerOf(interaction);
  const log = deps.log.child({ action: def.id, guild: interaction.guild_id, user: caller?.userId });
  try {
    if (!caller) return errorCard('This button has to be pressed by a person.');
    const identity = await discordIdentity(deps.db, caller);
    return await runAction(
      def,
      value,
      {
        db: deps.db,
        readDb: deps.readDb,
        config: deps.config,
        identity,
        resolveShort: deps.resolveShort,
        channelId: caller.channelId,
        isDirectMessage: caller.isDirectMessage,
      },
      log,
    );
  } catch (err) {
    if (isUserError(err)) return errorCard(err.message);
    const ref = randomUUID().slice(0, 8);
    log.error({ err, ref }, 'Discord action failed');
    return errorCard(`Something went wrong on our side (reference ${ref}). Please try again.`);
  }
}

/** The answer to a press is always private: it is for whoever pressed. */
const privately = (reply: Card) => renderReply(withVisibility(reply, 'ephemeral'));

export async function handleComponent(deps: DiscordDeps, interaction: APIMessageComponentInteraction, res: Response): Promise<void> {
  const parsed =
    interaction.data?.component_type === ComponentType.Button && typeof interaction.data.custom_id === 'string'
      ? parseCustomId(interaction.data.custom_id)
      : undefined;
  const def = parsed ? findAction(parsed.actionId) : undefined;
  if (!parsed || !def) {
    // A component this app does not know (a stale message, another version): answered at once, privately.
    deps.log.info({ customId: interaction.data?.custom_id, guild: interaction.guild_id }, 'unhandled Discord component acknowledged');
    res.json({ type: RESPONSE_CALLBACK.CHANNEL_MESSAGE, data: privately(notHandledCard()) });
    return;
  }
  const receivedAt = Date.now();
  const work = replyForPress(deps, interaction, def, parsed.value);
  const early = await within(work, deps.deferAfterMs);
  if (early) {
    res.json({ type: RESPONSE_CALLBACK.CHANNEL_MESSAGE, data: privately(early) });
    return;
  }
  res.json({ type: RESPONSE_CALLBACK.DEFERRED_CHANNEL_MESSAGE, data: { flags: EPHEMERAL } });
  track(
    deps,
    work.then(async (reply) => {
      if (Date.now() - receivedAt > INTERACTION_TOKEN_MS) {
        deps.log.warn({ action: def.id }, 'Discord action finished after its interaction token expired; the answer is lost');
        return;
      }
      const { flags: _flags, ...message } = privately(reply);
      try {
        await deps.rest.patch(Routes.webhookMessage(interaction.application_id, interaction.token, '@original'), { body: message, auth: false });
      } catch (err) {
        deps.log.warn({ err, action: def.id }, 'could not deliver the deferred Discord action answer');
      }
    }),
  );
}
