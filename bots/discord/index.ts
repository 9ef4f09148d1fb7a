// The Discord adapter: POST /discord/interactions on our express server, behind our own signature, age and
// replay checks, dispatching by interaction type (PING, slash commands, autocomplete, components). Listeners
// only map Discord input onto the command core and render its replies. With DISCORD_GATEWAY=1 and a bot token
// it also connects to the gateway to answer Amazon links in opted-in channels.
import { REST } from '@discordjs/rest';
import { ApplicationCommandType, InteractionResponseType, InteractionType, type APIInteraction } from 'discord-api-types/v10';
import express from 'express';
import type { Redis } from 'ioredis';
import { errorCard } from '../../src/cards/status.ts';
import type { Config } from '../../src/config.ts';
import type { Db } from '../../src/db/database.ts';
import { createShortLinkResolver } from '../../src/domain/amazon/shortLinks.ts';
import type { Logger } from '../../src/log.ts';
import { withTimeout } from '../../src/timeout.ts';
import type { DiscordDeps } from './deps.ts';
import { createChannelCache, startGateway, type Gateway } from './gateway.ts';
import { answerAutocomplete } from './listeners/autocomplete.ts';
import { handleCommand } from './listeners/commands.ts';
import { handleComponent } from './listeners/components.ts';
import { renderReply } from './render.ts';
import { discordRequestGuard, type RequestWithRawBody } from './requestGuard.ts';
import { MAX_REQUEST_AGE_SECONDS, publicKeyFromHex, SeenOnce } from './verify.ts';

export const INTERACTIONS_PATH = '/discord/interactions';
/** Leaves a second and a half of Discord's three for the network and the response itself. */
export const DEFER_AFTER_MS = 1500;

export interface DiscordAdapterDeps {
  config: Config;
  db: Db;
  /** Figures are read here (DATABASE_READ_URL); defaults to `db`. */
  readDb?: Db;
  /** The runtime's fail-fast Redis connection (replay protection). */
  cacheRedis: Redis;
  log: Logger;
  deferAfterMs?: number;
}

export interface DiscordAdapter {
  mount: (app: express.Express) => void;
  deps: DiscordDeps;
  start(): Promise<void>;
  /** Resolves once every deferred answer taken so far has been delivered (or has failed). */
  idle(): Promise<void>;
  /** Waits (a little) for deferred answers still being worked on, then disconnects the gateway. */
  stop(): Promise<void>;
}

export function createDiscordAdapter(d: DiscordAdapterDeps): DiscordAdapter {
  const { config, db } = d;
  const log = d.log.child({ platform: 'discord' });
  if (!config.DISCORD_PUBLIC_KEY || !config.DISCORD_APPLICATION_ID) throw new Error('Discord needs DISCORD_PUBLIC_KEY and DISCORD_APPLICATION_ID');
  const publicKey = publicKeyFromHex(config.DISCORD_PUBLIC_KEY);
  // Interaction webhooks need no bot token; the token is only for bot calls (register, sender, gateway).
  const rest = new REST({ version: '10', ...(config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {}) });
  if (config.DISCORD_BOT_TOKEN) rest.setToken(config.DISCORD_BOT_TOKEN);
  const resolveShort = createShortLinkResolver({ timeoutMs: config.SHORT_LINK_TIMEOUT_MS });
  const deps: DiscordDeps = {
    db,
    readDb: d.readDb ?? db,
    config,
    log,
    rest,
    resolveShort,
    deferAfterMs: d.deferAfterMs ?? DEFER_AFTER_MS,
    inflight: new Set(),
  };

  const router = express.Router();
  router.post(
    INTERACTIONS_PATH,
    discordRequestGuard({ publicKey, signatures: new SeenOnce(d.cacheRedis, `${config.QUEUE_PREFIX}:discord:sig:`, MAX_REQUEST_AGE_SECONDS), log }),
    async (req, res) => {
      let interaction: APIInteraction;
      try {
        interaction = JSON.parse((req as RequestWithRawBody).rawBody!.toString('utf8')) as APIInteraction;
      } catch {
        res.status(400).type('text/plain').send('Body is not JSON');
        return;
      }
      switch (interaction?.type) {
        case InteractionType.Ping:
          res.json({ type: InteractionResponseType.Pong });
          return;
        case InteractionType.ApplicationCommand:
          if (interaction.data.type !== ApplicationCommandType.ChatInput) {
            res.json({ type: InteractionResponseType.ChannelMessageWithSource, data: renderReply(errorCard('This app only has slash commands.')) });
            return;
          }
          await handleCommand(deps, interaction as Parameters<typeof handleCommand>[1], res);
          return;
        case InteractionType.ApplicationCommandAutocomplete:
          res.json({ type: InteractionResponseType.ApplicationCommandAutocompleteResult, data: { choices: await answerAutocomplete(deps, interaction) } });
          return;
        case InteractionType.MessageComponent:
          // Action buttons of the command core run their action; link buttons send nothing, and anything else gets
          // a private note that it is gone.
          await handleComponent(deps, interaction, res);
          return;
        case InteractionType.ModalSubmit:
          res.json({ type: InteractionResponseType.ChannelMessageWithSource, data: renderReply(errorCard('This app has no forms.')) });
          return;
        default:
          res.status(400).type('text/plain').send('Unknown interaction type');
      }
    },
  );

  let gateway: Gateway | undefined;
  return {
    deps,
    mount: (web) => void web.use(router),
    async start() {
      if (config.DISCORD_GATEWAY) {
        if (!config.DISCORD_BOT_TOKEN) log.warn('DISCORD_GATEWAY is set but DISCORD_BOT_TOKEN is not; gateway mode is off');
        else
          gateway = startGateway({
            token: config.DISCORD_BOT_TOKEN,
            apiUrl: config.DISCORD_API_URL,
            log,
            deps: { db, config, resolveShort, channelCache: createChannelCache() },
          });
      }
      log.info({ gateway: Boolean(gateway) }, 'Discord is on');
    },
    async idle() {
      while (deps.inflight.size > 0) await Promise.allSettled([...deps.inflight]);
    },
    async stop() {
      await withTimeout(Promise.allSettled([...deps.inflight]), 5000, 'deferred Discord answers').catch(() =>
        log.warn({ left: deps.inflight.size }, 'deferred Discord answers still running at shutdown'),
      );
      await gateway?.stop();
    },
  };
}
