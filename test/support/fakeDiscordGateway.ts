// A local Discord for a bot connection (discord.js Client): one HTTP server serving the REST calls the client
// makes (GET /gateway/bot, POST /channels/:id/messages) and, on the same port, a WebSocket gateway speaking the
// real protocol in plain JSON (no zlib): HELLO, IDENTIFY checked against the bot token, heartbeats acknowledged,
// READY then GUILD_CREATE for each guild, then the dispatches a test sends. Like Discord, it delivers guild
// messages only with the GuildMessages intent, blanks their content without MessageContent, and echoes the
// messages the bot posts back over the gateway.
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ChannelType,
  GatewayCloseCodes,
  GatewayDispatchEvents,
  GatewayIntentBits,
  GatewayOpcodes,
  MessageType,
  type APIUser,
  type ApplicationFlags,
  type GuildMemberFlags,
  type GuildSystemChannelFlags,
  type RoleFlags,
  type GatewayGuildCreateDispatchData,
  type GatewayIdentifyData,
  type GatewayMessageCreateDispatchData,
  type GatewayReadyDispatchData,
  type RESTGetAPIGatewayBotResult,
} from 'discord-api-types/v10';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeGuild {
  id: string;
  name?: string;
  /** Text channels. */
  channelIds: string[];
}

export interface GatewaySession {
  socket: WebSocket;
  /** The query string the client connected with (v, encoding, compress). */
  query: URLSearchParams;
  identify?: GatewayIdentifyData;
  /** Every payload the client sent, in order. */
  received: Array<{ op: number; d: unknown }>;
  /** The sequence number of the last dispatch sent (what a heartbeat must carry). */
  sequence: number;
  heartbeatsAcked: number;
  /** READY and every GUILD_CREATE sent. */
  ready: boolean;
  /** Set when the socket closed; byServer when this fake closed it. */
  closed?: { code: number; byServer: boolean };
  closedByServer: boolean;
}

export interface RestCall {
  method: string;
  /** Path below /api/v10, like /channels/123/messages. */
  path: string;
  auth: string | undefined;
  body: Record<string, unknown> | undefined;
}

export interface PostedMessage {
  id: string;
  channelId: string;
  body: Record<string, unknown>;
}

export interface IncomingMessageSpec {
  guildId: string;
  channelId: string;
  author: { id: string; bot?: boolean };
  content: string;
  webhookId?: string;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

function user(id: string, extra: Partial<APIUser> = {}): APIUser {
  return { id, username: `user${id.slice(-4)}`, discriminator: '0', global_name: null, avatar: null, ...extra };
}

/** A MESSAGE_CREATE payload: the fields every message has, plus what the caller says. */
function messageData(
  m: Pick<GatewayMessageCreateDispatchData, 'id' | 'channel_id' | 'guild_id' | 'author' | 'content'> & Partial<GatewayMessageCreateDispatchData>,
): GatewayMessageCreateDispatchData {
  return {
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    pinned: false,
    type: MessageType.Default,
    components: [],
    ...m,
  };
}

export class FakeDiscordGateway {
  readonly calls: RestCall[] = [];
  readonly sessions: GatewaySession[] = [];
  readonly posted: PostedMessage[] = [];
  readonly botUser: APIUser;
  private readonly guilds: FakeGuild[] = [];
  private readonly changes = new EventEmitter();
  private nextId = BigInt(Date.now()) * 4_194_304n;

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    readonly url: string,
    private readonly opts: { token: string; applicationId: string; heartbeatIntervalMs: number },
  ) {
    this.botUser = user(this.snowflake(), { username: 'affiliate-bot', bot: true });
    this.changes.setMaxListeners(0);
  }

  /** What to give discord.js REST as `api` (it appends /v10). */
  get apiUrl(): string {
    return `${this.url}/api`;
  }

  /** What GET /gateway/bot hands out. */
  get gatewayUrl(): string {
    return this.url.replace(/^http/, 'ws');
  }

  /**
   * heartbeatIntervalMs defaults to Discord's 41.25 s, so the client's own timed heartbeats stay out of the way;
   * requestHeartbeat() asks for one at once, as Discord may.
   */
  static async start(opts: { token: string; applicationId: string; heartbeatIntervalMs?: number }): Promise<FakeDiscordGateway> {
    const holder: { fake?: FakeDiscordGateway } = {};
    const server = createServer((req, res) => void holder.fake!.handle(req, res));
    const wss = new WebSocketServer({ server });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fake = new FakeDiscordGateway(server, wss, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, { heartbeatIntervalMs: 41_250, ...opts });
    holder.fake = fake;
    wss.on('connection', (socket, req) => fake.accept(socket, req));
    return fake;
  }

  /** A guild the bot is in: listed (unavailable) in READY, then sent in full with GUILD_CREATE. */
  addGuild(guild: FakeGuild): void {
    this.guilds.push(guild);
  }

  /** Resolves once the predicate holds, re-checked on every change (a call, a payload, a close). */
  until<T>(read: () => T | undefined | false, what: string, timeoutMs = 8000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const value = read();
        if (value === undefined || value === false) return false;
        clearTimeout(timer);
        this.changes.off('change', check);
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        this.changes.off('change', check);
        reject(
          new Error(
            `${what} did not happen within ${timeoutMs} ms; REST calls: ${this.calls.map((c) => `${c.method} ${c.path}`).join(', ') || 'none'}; gateway sessions: ${JSON.stringify(this.sessions.map((s) => ({ ops: s.received.map((r) => r.op), ready: s.ready, closed: s.closed })))}`,
          ),
        );
      }, timeoutMs);
      if (!check()) this.changes.on('change', check);
    });
  }

  /** The one session that is open and ready. */
  readySession(timeoutMs?: number): Promise<GatewaySession> {
    return this.until(() => this.sessions.find((s) => s.ready && !s.closed), 'a ready gateway session', timeoutMs);
  }

  /** A message posted in a guild channel, dispatched as MESSAGE_CREATE to every ready session; returns its id. */
  postMessage(spec: IncomingMessageSpec): string {
    const id = this.snowflake();
    this.dispatchMessage(
      messageData({
        id,
        channel_id: spec.channelId,
        guild_id: spec.guildId,
        author: user(spec.author.id, spec.author.bot ? { bot: true } : {}),
        member: { roles: [], joined_at: '2024-01-01T00:00:00.000Z', deaf: false, mute: false, flags: 0 as GuildMemberFlags },
        content: spec.content,
        ...(spec.webhookId ? { webhook_id: spec.webhookId } : {}),
      }),
    );
    return id;
  }

  /** Asks every ready session for a heartbeat now (op 1 from the gateway). */
  requestHeartbeat(): void {
    for (const s of this.sessions) if (s.ready && !s.closed) this.send(s, { op: GatewayOpcodes.Heartbeat, d: null });
  }

  /** Messages the bot posted that reply to the given message. */
  repliesTo(messageId: string): PostedMessage[] {
    return this.posted.filter((p) => (p.body.message_reference as { message_id?: string } | undefined)?.message_id === messageId);
  }

  waitForReply(messageId: string, timeoutMs?: number): Promise<PostedMessage> {
    return this.until(() => this.repliesTo(messageId)[0], `a reply to message ${messageId}`, timeoutMs);
  }

  /** Closes whatever the client left open, then the server. */
  async close(): Promise<void> {
    for (const s of this.sessions) if (!s.closed) s.socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private snowflake(): string {
    this.nextId += 1n;
    return this.nextId.toString();
  }

  private changed(): void {
    this.changes.emit('change');
  }

  private send(s: GatewaySession, payload: { op: number; d: unknown; s?: number | null; t?: string | null }): void {
    if (s.socket.readyState === s.socket.OPEN) s.socket.send(JSON.stringify(payload));
  }

  private dispatch(s: GatewaySession, t: string, d: unknown): void {
    s.sequence += 1;
    this.send(s, { op: GatewayOpcodes.Dispatch, t, s: s.sequence, d });
  }

  private closeWith(s: GatewaySession, code: number, reason: string): void {
    s.closedByServer = true;
    s.socket.close(code, reason);
  }

  private hasIntent(s: GatewaySession, bit: GatewayIntentBits): boolean {
    return ((s.identify?.intents ?? 0) & bit) === bit;
  }

  private dispatchMessage(message: GatewayMessageCreateDispatchData): void {
    for (const s of this.sessions) {
      if (!s.ready || s.closed || !this.hasIntent(s, GatewayIntentBits.GuildMessages)) continue;
      // Without the privileged intent, Discord sends guild messages (other than the bot's own) with no content.
      const own = message.author.id === this.botUser.id;
      const visible =
        own || this.hasIntent(s, GatewayIntentBits.MessageContent) ? message : { ...message, content: '', embeds: [], attachments: [], components: [] };
      this.dispatch(s, GatewayDispatchEvents.MessageCreate, visible);
    }
  }

  private accept(socket: WebSocket, req: IncomingMessage): void {
    const s: GatewaySession = {
      socket,
      query: new URL(req.url ?? '/', this.url).searchParams,
      received: [],
      sequence: 0,
      heartbeatsAcked: 0,
      ready: false,
      closedByServer: false,
    };
    this.sessions.push(s);
    socket.on('message', (raw, isBinary) => {
      let payload: { op: number; d: unknown };
      try {
        payload = JSON.parse(isBinary ? '' : raw.toString()) as { op: number; d: unknown };
      } catch {
        return this.closeWith(s, GatewayCloseCodes.DecodeError, 'Error while decoding payload.');
      }
      s.received.push(payload);
      this.onPayload(s, payload);
      this.changed();
    });
    socket.on('close', (code) => {
      s.closed = { code, byServer: s.closedByServer };
      this.changed();
    });
    this.send(s, { op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.opts.heartbeatIntervalMs } });
    this.changed();
  }

  private onPayload(s: GatewaySession, payload: { op: number; d: unknown }): void {
    switch (payload.op) {
      case GatewayOpcodes.Heartbeat:
        this.send(s, { op: GatewayOpcodes.HeartbeatAck, d: null });
        s.heartbeatsAcked += 1;
        return;
      case GatewayOpcodes.Identify: {
        if (s.identify) return this.closeWith(s, GatewayCloseCodes.AlreadyAuthenticated, 'Already authenticated.');
        const d = payload.d as GatewayIdentifyData;
        s.identify = d;
        if (d.token !== this.opts.token) return this.closeWith(s, GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
        this.sendReady(s);
        return;
      }
      case GatewayOpcodes.Resume:
        // No sessions survive here: the client must identify afresh.
        this.send(s, { op: GatewayOpcodes.InvalidSession, d: false });
        return;
      default:
        if (!s.identify) this.closeWith(s, GatewayCloseCodes.NotAuthenticated, 'Not authenticated.');
    }
  }

  private sendReady(s: GatewaySession): void {
    const ready: GatewayReadyDispatchData = {
      v: 10,
      user: this.botUser,
      guilds: this.guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: `session-${this.snowflake()}`,
      resume_gateway_url: this.gatewayUrl,
      shard: s.identify?.shard,
      application: { id: this.opts.applicationId, flags: 0 as ApplicationFlags, flags_new: '0' },
    };
    this.dispatch(s, GatewayDispatchEvents.Ready, ready);
    for (const g of this.guilds) this.dispatch(s, GatewayDispatchEvents.GuildCreate, this.guildCreate(g));
    s.ready = true;
  }

  private guildCreate(g: FakeGuild): GatewayGuildCreateDispatchData {
    return {
      id: g.id,
      name: g.name ?? `guild ${g.id.slice(-4)}`,
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: this.snowflake(),
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [
        {
          id: g.id,
          name: '@everyone',
          color: 0,
          colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
          hoist: false,
          icon: null,
          unicode_emoji: null,
          position: 0,
          permissions: String((1n << 10n) | (1n << 11n)),
          managed: false,
          mentionable: false,
          flags: 0 as RoleFlags,
        },
      ],
      emojis: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0 as GuildSystemChannelFlags,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      preferred_locale: 'en-US' as GatewayGuildCreateDispatchData['preferred_locale'],
      public_updates_channel_id: null,
      nsfw_level: 0,
      stickers: [],
      premium_progress_bar_enabled: false,
      safety_alerts_channel_id: null,
      incidents_data: null,
      hub_type: null,
      joined_at: '2024-01-01T00:00:00.000Z',
      large: false,
      unavailable: false,
      member_count: 2,
      voice_states: [],
      members: [],
      channels: g.channelIds.map((id, position) => ({
        id,
        type: ChannelType.GuildText,
        name: `channel-${position}`,
        position,
        permission_overwrites: [],
        parent_id: null,
        nsfw: false,
        topic: null,
        last_message_id: null,
        rate_limit_per_user: 0,
        guild_id: g.id,
      })),
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', this.url).pathname.replace(/^\/api\/v\d+/, '');
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : undefined;
    const auth = req.headers.authorization;
    this.calls.push({ method, path, auth, body });
    const send = (status: number, data: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(data));
      this.changed();
    };
    if (auth !== `Bot ${this.opts.token}`) return send(401, { message: '401: Unauthorized', code: 0 });
    if (path === '/gateway/bot' && method === 'GET') {
      const info: RESTGetAPIGatewayBotResult = {
        url: this.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
      };
      return send(200, info);
    }
    const m = /^\/channels\/(\d+)\/messages$/.exec(path);
    if (m && method === 'POST' && body) {
      const channelId = m[1]!;
      const guild = this.guilds.find((g) => g.channelIds.includes(channelId));
      if (!guild) return send(404, { message: 'Unknown Channel', code: 10003 });
      const id = this.snowflake();
      this.posted.push({ id, channelId, body });
      const reference = body.message_reference as { message_id: string } | undefined;
      const created = messageData({
        id,
        channel_id: channelId,
        guild_id: guild.id,
        author: this.botUser,
        content: typeof body.content === 'string' ? body.content : '',
        embeds: (body.embeds as GatewayMessageCreateDispatchData['embeds'] | undefined) ?? [],
        ...(reference ? { type: MessageType.Reply, message_reference: { message_id: reference.message_id, channel_id: channelId, guild_id: guild.id } } : {}),
      });
      send(200, created);
      // Discord also tells every connection about the new message, the bot's own included.
      this.dispatchMessage(created);
      return;
    }
    send(404, { message: '404: Not Found', code: 0 });
  }
}
