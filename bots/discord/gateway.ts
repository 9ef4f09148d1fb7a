// Optional gateway mode (DISCORD_GATEWAY=1): a bot connection that reads messages in channels a manager opted
// in with /storefront autolink on. When a registered influencer posts an Amazon product link there, the bot
// answers with that influencer's tagged short link. The handler is a plain function (tested directly); the
// discord.js Client around it only feeds it messages and posts its replies.
import { Client, Events, GatewayIntentBits, type Message } from 'discord.js';
import { LRUCache } from 'lru-cache';
import type { Card, CardLine } from '../../src/cards/card.ts';
import { autolinkCard, shortLinkLine } from '../../src/cards/link.ts';
import type { Config } from '../../src/config.ts';
import type { Db } from '../../src/db/database.ts';
import { parseProductUrl } from '../../src/domain/amazon/productInput.ts';
import type { ShortLinkResolver } from '../../src/domain/amazon/shortLinks.ts';
import { autolinkChannelIds } from '../../src/domain/workspaces/autolinkChannels.ts';
import { defaultMarketplace } from '../../src/domain/organisations/influencers.ts';
import { getOrCreateLink, shortUrl } from '../../src/domain/links/links.ts';
import { productLabel, upsertProduct } from '../../src/domain/links/products.ts';
import { isUserError } from '../../src/errors.ts';
import type { Logger } from '../../src/log.ts';
import { guildInfluencer } from './identity.ts';
import { renderReply } from './render.ts';

export const MAX_LINKS_PER_MESSAGE = 5;
export const CHANNEL_CACHE_MS = 30_000;

export interface GatewayMessage {
  guildId: string | null;
  channelId: string;
  authorId: string;
  authorIsBot: boolean;
  content: string;
}

export interface AutolinkDeps {
  db: Db;
  config: Pick<Config, 'PUBLIC_BASE_URL'>;
  resolveShort: ShortLinkResolver;
  /** Opted-in channels per guild, cached briefly: every message in every channel of the guild asks. */
  channelCache?: LRUCache<string, readonly string[]>;
}

/** `clock` is the cache's sense of time (tests move it instead of waiting). */
export function createChannelCache(ttlMs = CHANNEL_CACHE_MS, clock?: { now(): number }): LRUCache<string, readonly string[]> {
  return new LRUCache<string, readonly string[]>({ max: 10_000, ttl: ttlMs, ...(clock ? { perf: clock } : {}) });
}

type Candidate = { kind: 'product'; ref: { asin: string; marketplace: string | undefined } } | { kind: 'short'; url: URL };

/** Amazon product and short links in a message (at most MAX_LINKS_PER_MESSAGE, first seen first). */
export function amazonLinksIn(content: string): Candidate[] {
  const out: Candidate[] = [];
  const seen = new Set<string>();
  for (const m of content.matchAll(/https?:\/\/[^\s<>|]+/gi)) {
    const raw = m[0].replace(/[).,;:!?'"\]]+$/, '');
    try {
      const parsed = parseProductUrl(raw);
      const key = parsed.kind === 'short' ? parsed.url.href : `${parsed.marketplace}:${parsed.asin}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(parsed.kind === 'short' ? { kind: 'short', url: parsed.url } : { kind: 'product', ref: { asin: parsed.asin, marketplace: parsed.marketplace } });
    } catch {
      // not an Amazon product link
    }
    if (out.length >= MAX_LINKS_PER_MESSAGE) break;
  }
  return out;
}

async function optedIn(deps: AutolinkDeps, guildId: string, channelId: string): Promise<boolean> {
  let ids = deps.channelCache?.get(guildId);
  if (!ids) {
    ids = await autolinkChannelIds(deps.db, guildId);
    deps.channelCache?.set(guildId, ids);
  }
  return ids.includes(channelId);
}

/** The reply for a message, or undefined when the bot should stay quiet. */
export async function autolinkReply(deps: AutolinkDeps, msg: GatewayMessage): Promise<Card | undefined> {
  if (msg.authorIsBot || !msg.guildId) return undefined;
  const candidates = amazonLinksIn(msg.content);
  if (candidates.length === 0) return undefined;
  if (!(await optedIn(deps, msg.guildId, msg.channelId))) return undefined;
  const poster = await guildInfluencer(deps.db, msg.guildId, msg.authorId);
  if (!poster) return undefined;
  const fallbackMarket = await defaultMarketplace(deps.db, poster.influencerId);

  const lines: CardLine[] = [];
  const problems: string[] = [];
  for (const c of candidates) {
    try {
      const found = c.kind === 'short' ? await deps.resolveShort(c.url) : c.ref;
      const ref = { asin: found.asin, marketplace: found.marketplace ?? fallbackMarket };
      const { product, link } = await deps.db.transaction().execute(async (trx) => {
        const product = await upsertProduct(trx, ref);
        return { product, ...(await getOrCreateLink(trx, { influencerId: poster.influencerId, product })) };
      });
      lines.push(shortLinkLine({ productLabel: productLabel(product), shortUrl: shortUrl(deps.config.PUBLIC_BASE_URL, link.code), asin: product.asin }));
    } catch (err) {
      if (!isUserError(err)) throw err;
      problems.push(err.message);
    }
  }
  if (lines.length === 0) return undefined;
  return autolinkCard({ handle: poster.handle, lines, untagged: problems.length });
}

export interface Gateway {
  stop(): Promise<void>;
}

/** Connects the bot and answers messages with autolinkReply. Needs the MessageContent privileged intent. */
export function startGateway(opts: { token: string; apiUrl?: string | undefined; log: Logger; deps: AutolinkDeps }): Gateway {
  const log = opts.log.child({ mode: 'gateway' });
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    allowedMentions: { parse: [], repliedUser: false },
    ...(opts.apiUrl ? { rest: { api: opts.apiUrl } } : {}),
  });
  const onMessage = async (message: Message) => {
    const reply = await autolinkReply(opts.deps, {
      guildId: message.guildId,
      channelId: message.channelId,
      authorId: message.author.id,
      authorIsBot: message.author.bot || message.webhookId !== null,
      content: message.content,
    });
    if (!reply) return;
    const rendered = renderReply(reply);
    await message.reply({
      ...(rendered.content ? { content: rendered.content } : {}),
      embeds: rendered.embeds,
      components: rendered.components,
      allowedMentions: { parse: [], repliedUser: false },
    });
  };
  client.on(Events.MessageCreate, (message) => {
    onMessage(message).catch((err: unknown) =>
      log.warn({ err, guild: message.guildId, channel: message.channelId }, 'could not answer a message with its short link'),
    );
  });
  client.on(Events.Error, (err) => log.warn({ err }, 'Discord gateway error'));
  client.once(Events.ClientReady, (c) => log.info({ user: c.user.tag }, 'Discord gateway connected'));
  client.login(opts.token).catch((err: unknown) => log.error({ err }, 'Discord gateway login failed; check DISCORD_BOT_TOKEN and the MessageContent intent'));
  return {
    async stop() {
      await client.destroy();
    },
  };
}
