// Slash commands (interaction type 2): map the typed options onto the command core and answer in time.
// Discord wants the HTTP answer within 3 seconds: a command done within deferAfterMs is answered directly
// (type 4); a slower one is deferred (type 5, ephemeral) and its reply edited into @original when ready,
// through the interaction webhook (valid 15 minutes). No command behaviour lives here. A card's chart and files
// (the digest) travel as attachments of the answer itself: a multipart response, edit or follow-up.
import { randomUUID } from 'node:crypto';
import { Routes, type APIChatInputApplicationCommandInteraction } from 'discord-api-types/v10';
import type { Response } from 'express';
import { cardAttachments, type CardAttachment } from '../../../src/cards/card.ts';
import { helpReply, runCommand, type Card } from '../../../src/commands/index.ts';
import { errorCard } from '../../../src/cards/status.ts';
import { restFiles, withAttachments } from '../attachments.ts';
import { isUserError } from '../../../src/errors.ts';
import { track, type DiscordDeps } from '../deps.ts';
import { callerOf, discordIdentity } from '../identity.ts';
import { invocationOf } from '../options.ts';
import { EPHEMERAL, renderReply } from '../render.ts';

export const RESPONSE_CALLBACK = { PONG: 1, CHANNEL_MESSAGE: 4, DEFERRED_CHANNEL_MESSAGE: 5, DEFERRED_UPDATE_MESSAGE: 6, AUTOCOMPLETE_RESULT: 8 } as const;
/** An interaction token lets us edit the answer for 15 minutes; past that the edit would fail anyway. */
export const INTERACTION_TOKEN_MS = 15 * 60_000;

export async function replyForCommand(deps: DiscordDeps, interaction: APIChatInputApplicationCommandInteraction): Promise<Card> {
  const caller = callerOf(interaction);
  const log = deps.log.child({ command: interaction.data.name, guild: interaction.guild_id, user: caller?.userId });
  try {
    const inv = invocationOf(interaction.data);
    if (!inv)
      return errorCard(`/${interaction.data.name.slice(0, 32)} is not a command of this app any more. An administrator should run npm run discord:register.`);
    if (inv.missingSub) return helpReply(inv.def);
    if (!caller) return errorCard('This command has to come from a person.');
    const identity = await discordIdentity(deps.db, caller);
    return await runCommand(
      inv.def,
      inv,
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
    log.error({ err, ref }, 'Discord command failed');
    return errorCard(`Something went wrong on our side (reference ${ref}). Please try again.`);
  }
}

/** Resolves to the value if it comes within ms, otherwise to undefined (the work carries on). */
export function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
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
  const receivedAt = Date.now();
  const work = replyForCommand(deps, interaction);
  const early = await within(work, deps.deferAfterMs);
  if (early) {
    const files = cardAttachments(early);
    if (files.length === 0) res.json({ type: RESPONSE_CALLBACK.CHANNEL_MESSAGE, data: renderReply(early) });
    else await sendMultipart(res, { type: RESPONSE_CALLBACK.CHANNEL_MESSAGE, data: withAttachments(renderReply(early), files) }, files);
    return;
  }
  // Every command's private answers (errors, earnings, links) must stay private, so the placeholder is too.
  res.json({ type: RESPONSE_CALLBACK.DEFERRED_CHANNEL_MESSAGE, data: { flags: EPHEMERAL } });
  track(
    deps,
    work.then((reply) => deliverDeferred(deps, interaction, reply, receivedAt)),
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
