// Drives the real server the way Discord does: interactions signed with a generated Ed25519 key pair, whose
// raw public key (hex) is the app's DISCORD_PUBLIC_KEY; deferred answers are read from the fake Discord API.
import { generateKeyPairSync, sign as edSign } from 'node:crypto';
import type { GatewayMessage } from '../../bots/discord/gateway.ts';
import { findCommand } from '../../src/commands/index.ts';
import type { OptionDef } from '../../src/commands/types.ts';
import type { Db } from '../../src/db/database.ts';
import { setAutolinkChannel } from '../../src/domain/workspaces/autolinkChannels.ts';
import { afterAll, beforeAll, expect } from 'vitest';
import { run, type Person } from '../support/commands.ts';
import { startTestApp, unique } from '../support/env.ts';
import { FakeDiscord } from '../support/fakeDiscord.ts';

const keys = generateKeyPairSync('ed25519');
/** The raw 32-byte public key as hex: what the Developer Portal shows as the app's public key. */
export const PUBLIC_KEY_HEX = keys.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
export const APPLICATION_ID = '1100000000000000001';
export const BOT_TOKEN = 'fake-discord-bot-token';

/** Permission bitfields as Discord sends them (decimal strings). */
export const PERMISSIONS = {
  member: String((1n << 10n) | (1n << 11n) | (1n << 31n)), // view channel, send messages, use application commands
  manageGuild: String((1n << 5n) | (1n << 10n)),
  administrator: String(1n << 3n),
};

/** App settings for startTestApp: Discord on, its REST pointed at the fake. */
export function discordEnv(fake: FakeDiscord): Record<string, string> {
  return { DISCORD_PUBLIC_KEY: PUBLIC_KEY_HEX, DISCORD_APPLICATION_ID: APPLICATION_ID, DISCORD_BOT_TOKEN: BOT_TOKEN, DISCORD_API_URL: fake.apiUrl };
}

/** Signs independently of the app's own code, straight from Discord's description: timestamp + body. */
export function signBody(timestamp: string, body: string, privateKey = keys.privateKey): string {
  return edSign(null, Buffer.from(timestamp + body), privateKey).toString('hex');
}

export interface HttpAnswer {
  status: number;
  text: string;
  json: Record<string, unknown> | undefined;
  ms: number;
  /** Files of a multipart answer (its JSON is payload_json, in `json`). */
  files: Array<{ field: string; name: string; contentType: string; data: Buffer }>;
}

export async function postInteraction(
  baseUrl: string,
  body: string,
  opts: { timestamp?: string; signature?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const timestamp = opts.timestamp ?? String(Math.floor(Date.now() / 1000));
  const signature = opts.signature ?? signBody(timestamp, body);
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}/discord/interactions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp, ...opts.headers },
    body,
  });
  const files: HttpAnswer['files'] = [];
  let text: string;
  if ((res.headers.get('content-type') ?? '').startsWith('multipart/form-data')) {
    const form = await res.formData();
    text = String(form.get('payload_json') ?? '');
    for (const [field, value] of form.entries()) {
      if (typeof value !== 'string') files.push({ field, name: value.name, contentType: value.type, data: Buffer.from(await value.arrayBuffer()) });
    }
  } else text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, ms: performance.now() - t0, files };
}

export interface Who {
  /** Absent for a direct message. */
  guildId?: string;
  userId: string;
  permissions?: string;
  channelId?: string;
}

export function snowflake(): string {
  return `${BigInt(Date.now()) * 4_194_304n + BigInt(Math.floor(Math.random() * 4_000_000))}`;
}

export function newGuild(guildId = snowflake()) {
  return {
    guildId,
    member: (opts: { permissions?: string; userId?: string; channelId?: string } = {}): Who => ({
      guildId,
      userId: opts.userId ?? snowflake(),
      permissions: opts.permissions ?? PERMISSIONS.member,
      channelId: opts.channelId ?? '3000000000000000001',
    }),
    admin: (opts: { userId?: string } = {}): Who => ({
      guildId,
      userId: opts.userId ?? snowflake(),
      permissions: PERMISSIONS.administrator,
      channelId: '3000000000000000001',
    }),
  };
}

/**
 * Gateway mode's setting: a guild where an influencer set up a storefront (handle, tracking ID handle-20) and a
 * manager turned auto-linking on in one channel. Ids are snowflakes, as the gateway client expects.
 */
export async function guildWithInfluencer(db: Db) {
  const guildId = snowflake();
  const influencer: Person = { platform: 'discord', workspaceId: guildId, userId: snowflake() };
  const handle = unique('gw');
  const r = await run(db, influencer, 'storefront', `setup ${handle} ${handle}-20`);
  expect(r.tone).toBe('success');
  const organisationId = (await db.selectFrom('discord_guilds').select('organisation_id').where('guild_id', '=', guildId).executeTakeFirstOrThrow())
    .organisation_id;
  const channelId = snowflake();
  await setAutolinkChannel(db, { organisationId, guildId, channelId, on: true });
  const message = (content: string, extra: Partial<GatewayMessage> = {}): GatewayMessage => ({
    guildId,
    channelId,
    authorId: influencer.userId,
    authorIsBot: false,
    content,
    ...extra,
  });
  return { guildId, influencer, handle, channelId, organisationId, message };
}

/** The same Discord user, writing to the bot in a direct message. */
export function inDm(who: Who): Who {
  return { userId: who.userId, channelId: `4${who.userId.slice(1)}` };
}

const OPTION_TYPE: Record<OptionDef['type'], number> = { string: 3, integer: 4, user: 6 };

function typedOptions(defs: readonly OptionDef[], values: Record<string, string | number>, focused?: string) {
  return Object.entries(values).map(([name, value]) => {
    const def = defs.find((d) => d.name === name);
    return { name, type: def ? OPTION_TYPE[def.type] : 3, value, ...(focused === name ? { focused: true } : {}) };
  });
}

function envelope(who: Who, type: number, data: Record<string, unknown>, token: string) {
  const user = { id: who.userId, username: `user${who.userId.slice(-4)}`, global_name: null, discriminator: '0', avatar: null };
  return {
    id: snowflake(),
    application_id: APPLICATION_ID,
    type,
    token,
    version: 1,
    locale: 'en-US',
    app_permissions: '2147483648',
    entitlements: [],
    authorizing_integration_owners: who.guildId ? { '0': who.guildId } : { '1': who.userId },
    data,
    ...(who.guildId
      ? {
          guild_id: who.guildId,
          guild: { id: who.guildId, locale: 'en-US', features: [] },
          member: {
            user,
            nick: null,
            roles: [],
            permissions: who.permissions ?? PERMISSIONS.member,
            joined_at: '2024-01-01T00:00:00.000Z',
            deaf: false,
            mute: false,
            flags: 0,
          },
          channel: { id: who.channelId ?? '3000000000000000001', type: 0, guild_id: who.guildId },
          channel_id: who.channelId ?? '3000000000000000001',
          context: 0,
        }
      : { user, channel: { id: who.channelId ?? `4${who.userId.slice(1)}`, type: 1 }, channel_id: who.channelId ?? `4${who.userId.slice(1)}`, context: 1 }),
  };
}

/** A slash command interaction as Discord sends it, options typed by the command core's definitions. */
export function commandInteraction(who: Who, command: string, sub: string | undefined, values: Record<string, string | number> = {}, token = unique('tok')) {
  const def = findCommand(command);
  const subDef = sub ? def?.subcommands?.find((s) => s.name === sub) : undefined;
  const defs = subDef?.options ?? def?.options ?? [];
  const opts = typedOptions(defs, values);
  const data = { id: snowflake(), name: command, type: 1, options: sub ? [{ name: sub, type: 1, options: opts }] : opts };
  return envelope(who, 2, data, token);
}

export function autocompleteInteraction(who: Who, command: string, sub: string | undefined, values: Record<string, string | number>, focused: string) {
  const def = findCommand(command);
  const subDef = sub ? def?.subcommands?.find((s) => s.name === sub) : undefined;
  const opts = typedOptions(subDef?.options ?? def?.options ?? [], values, focused);
  const data = { id: snowflake(), name: command, type: 1, options: sub ? [{ name: sub, type: 1, options: opts }] : opts };
  return envelope(who, 4, data, unique('tok'));
}

export interface DiscordMessageLike {
  content?: string;
  flags?: number;
  embeds?: Array<{
    title?: string;
    description?: string;
    fields?: Array<{ name: string; value: string; inline?: boolean }>;
    footer?: { text: string };
    color?: number;
  }>;
  components?: Array<{ type: number; components: Array<{ type: number; style: number; label?: string; url?: string }> }>;
  allowed_mentions?: { parse?: string[] };
}

/** Every string a person would read, in order, with markdown escapes and zero-width spaces removed. */
export function visibleText(m: DiscordMessageLike | undefined): string {
  if (!m) return '';
  const parts: string[] = [];
  if (m.content) parts.push(m.content);
  for (const e of m.embeds ?? []) {
    if (e.title) parts.push(e.title);
    if (e.description) parts.push(e.description);
    for (const f of e.fields ?? []) parts.push(`${f.name}\n${f.value}`);
    if (e.footer) parts.push(e.footer.text);
  }
  for (const row of m.components ?? []) for (const b of row.components) parts.push(`${b.label ?? ''} ${b.url ?? ''}`);
  return parts
    .join('\n')
    .replace(/\u200B/g, '')
    .replace(/\\([^A-Za-z0-9\s])/g, '$1');
}

export interface CommandAnswer {
  http: HttpAnswer;
  /** 4 when answered at once, 5 when deferred. */
  type: number;
  /** The message the person finally sees (the response data, or the edit of @original). */
  message: DiscordMessageLike;
  visible: string;
  ephemeral: boolean;
  /** Files that came with the answer (multipart response or edit). */
  files: Array<{ field: string; name: string; contentType: string; data: Buffer }>;
}

/** Sends a slash command; follows a deferral to the edit of @original on the fake. */
export async function slash(
  baseUrl: string,
  fake: FakeDiscord,
  who: Who,
  command: string,
  sub?: string,
  values: Record<string, string | number> = {},
): Promise<CommandAnswer> {
  const token = unique('tok');
  const http = await postInteraction(baseUrl, JSON.stringify(commandInteraction(who, command, sub, values, token)));
  if (http.status !== 200 || !http.json) throw new Error(`interaction answered ${http.status}: ${http.text}`);
  const type = http.json.type as number;
  const data = (http.json.data ?? {}) as DiscordMessageLike;
  if (type === 4) return { http, type, message: data, visible: visibleText(data), ephemeral: ((data.flags ?? 0) & 64) === 64, files: http.files };
  if (type !== 5) throw new Error(`unexpected interaction response type ${type}`);
  const edit = await fake.waitForCall('PATCH', new RegExp(`/webhooks/${APPLICATION_ID}/${token}/messages/@original$`), 15_000);
  const message = edit.body as DiscordMessageLike;
  return { http, type, message, visible: visibleText(message), ephemeral: ((data.flags ?? 0) & 64) === 64, files: edit.files };
}

/** One running app with Discord on, pointed at a fresh fake Discord API; registers its own beforeAll/afterAll. */
export function useDiscordApp(): { rt: Awaited<ReturnType<typeof startTestApp>>; fake: FakeDiscord } {
  const app = {} as { rt: Awaited<ReturnType<typeof startTestApp>>; fake: FakeDiscord };
  beforeAll(async () => {
    app.fake = await FakeDiscord.start();
    app.rt = await startTestApp(discordEnv(app.fake));
  });
  afterAll(async () => {
    await app.rt?.close();
    await app.fake?.close();
  });
  return app;
}
