// Button presses (interaction type 3). Action buttons of the command core (src/commands/actions.ts) carry
// custom_id "<action>:<value>": resolve who pressed (the interaction's member and permissions, never the value), run
// the action and answer with a private message, at once or deferred (type 5) and edited in when it takes longer.
// Any other component (a stale message, another version) is answered at once with a private note that it is gone.
import { ComponentType, Routes, type APIMessageComponentInteraction } from 'discord-api-types/v10';
import type { Response } from 'express';
import { cardOrFailure, findAction, runAction, type ActionDef, type Card } from '../../../src/commands/index.ts';
import { withVisibility } from '../../../src/cards/card.ts';
import { errorCard, notHandledCard } from '../../../src/cards/status.ts';
import type { DiscordDeps } from '../deps.ts';
import { callerOf } from '../identity.ts';
import { parseCustomId, renderReply } from '../render.ts';
import { answerInTime, commandContext, INTERACTION_TOKEN_MS, RESPONSE_CALLBACK } from './answer.ts';

async function replyForPress(deps: DiscordDeps, interaction: APIMessageComponentInteraction, def: ActionDef, value: string): Promise<Card> {
  const caller = callerOf(interaction);
  const log = deps.log.child({ action: def.id, guild: interaction.guild_id, user: caller?.userId });
  return cardOrFailure(log, 'Discord action failed', async () => {
    if (!caller) return errorCard('This button has to be pressed by a person.');
    return runAction(def, value, await commandContext(deps, caller), log);
  });
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
  await answerInTime(
    deps,
    res,
    () => replyForPress(deps, interaction, def, parsed.value),
    (reply) => void res.json({ type: RESPONSE_CALLBACK.CHANNEL_MESSAGE, data: privately(reply) }),
    async (reply, receivedAt) => {
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
    },
  );
}
