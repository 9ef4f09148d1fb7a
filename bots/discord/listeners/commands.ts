// Slash commands (interaction type 2): map the typed options onto the command core and answer in time.
// Discord wants the HTTP answer within 3 seconds: a command done within deferAfterMs is answered directly
// (type 4); a slower one is deferred (type 5, ephemeral) and its reply edited into @original when ready,
// through the interaction webhook (valid 15 minutes). No command behaviour lives here. A card's chart and files
// (the digest) travel as attachments of the answer itself: a multipart response, edit or follow-up.
import { Routes, type APIChatInputApplicationCommandInteraction } from 'discord-api-types/v10';
import type { Response } from 'express';
import { cardAttachments, type CardAttachment } from '../../../src/cards/card.ts';
import { cardOrFailure, helpReply, runCommand, type Card } from '../../../src/commands/index.ts';
import { errorCard } from '../../../src/cards/status.ts';
import { restFiles, withAttachments } from '../attachments.ts';
import type { DiscordDeps } from '../deps.ts';
import { callerOf } from '../identity.ts';
import { invocationOf } from '../options.ts';
import { EPHEMERAL, renderReply } from '../render.ts';
import { answerInTime, commandContext, INTERACTION_TOKEN_MS, RESPONSE_CALLBACK } from './answer.ts';

export async function replyForCommand(deps: DiscordDeps, interaction: APIChatInputApplicationCommandInteraction): Promise<Card> {
  const caller = callerOf(interaction);
  const log = deps.log.child({ command: interaction.data.name, guild: interaction.guild_id, user: caller?.userId });
  return cardOrFailure(log, 'Discord command failed', async () => {
    const inv = invocationOf(interaction.data);
    if (!inv)
      return errorCard(`/${interaction.data.name.slice(0, 32)} is not a command of this app any more. An administrator should run npm run discord:register.`);
    if (inv.missingSub) return helpReply(inv.def);
    if (!caller) return errorCard('This command has to come from a person.');
    return runCommand(inv.def, inv, await commandContext(deps, caller), log);
  });
}

/**
 * Puts a deferred reply where the person sees it. The deferral was ephemeral; a reply meant for the channel
 * goes out as a follow-up and the private placeholder is removed.
 */
export async function deliverDeferred(
  deps: DiscordDeps,
  interaction: APIChatInputApplicationCommandInteraction,
  reply: Card,
  receivedAt: number,
): Promise<void> {
  const log = deps.log.child({ command: interaction.data.name, guild: interaction.guild_id });
  if (Date.now() - receivedAt > INTERACTION_TOKEN_MS) {
    log.warn({ ms: Date.now() - receivedAt }, 'Discord command finished after its interaction token expired; the answer is lost');
    return;
  }
  const { flags, ...rendered } = renderReply(reply);
  const files = cardAttachments(reply);
  const message = withAttachments(rendered, files);
  const upload = restFiles(files);
  try {
    if (flags & EPHEMERAL) {
      await deps.rest.patch(Routes.webhookMessage(interaction.application_id, interaction.token, '@original'), { body: message, ...upload, auth: false });
    } else {
      await deps.rest.post(Routes.webhook(interaction.application_id, interaction.token), { body: { ...message, flags }, ...upload, auth: false });
      await deps.rest.delete(Routes.webhookMessage(interaction.application_id, interaction.token, '@original'), { auth: false });
    }
  } catch (err) {
    log.warn({ err }, 'could not deliver the deferred Discord answer');
  }
}

export async function handleCommand(deps: DiscordDeps, interaction: APIChatInputApplicationCommandInteraction, res: Response): Promise<void> {
  await answerInTime(
    deps,
    res,
    () => replyForCommand(deps, interaction),
    async (reply) => {
      const files = cardAttachments(reply);
      if (files.length === 0) res.json({ type: RESPONSE_CALLBACK.CHANNEL_MESSAGE, data: renderReply(reply) });
      else await sendMultipart(res, { type: RESPONSE_CALLBACK.CHANNEL_MESSAGE, data: withAttachments(renderReply(reply), files) }, files);
    },
    (reply, receivedAt) => deliverDeferred(deps, interaction, reply, receivedAt),
  );
}

/** An interaction response with files: multipart/form-data, the JSON as payload_json and each file as files[n]. */
async function sendMultipart(res: Response, payload: object, files: readonly CardAttachment[]): Promise<void> {
  const form = new FormData();
  form.append('payload_json', JSON.stringify(payload));
  files.forEach((f, i) => form.append(`files[${i}]`, new Blob([new Uint8Array(f.data)], { type: f.contentType }), f.name));
  const encoded = new globalThis.Response(form);
  res
    .status(200)
    .set('content-type', encoded.headers.get('content-type')!)
    .send(Buffer.from(await encoded.arrayBuffer()));
}
