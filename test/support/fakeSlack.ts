// A local stand-in for the Slack Web API (point SLACK_API_URL at `apiUrl`) and for response_url targets.
// Records every call with its method, token and parsed arguments; serves what the app uses.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeCall {
  method: string;
  token: string | undefined;
  body: Record<string, unknown>;
  at: number;
}

export interface FakeResponse {
  id: string;
  body: Record<string, unknown>;
  at: number;
}

export interface FakeUser {
  admin?: boolean;
  owner?: boolean;
  primaryOwner?: boolean;
  tz?: string;
  name?: string;
  /** users.info answers { ok: false, error: 'user_not_found' }. */
  missing?: boolean;
}

export interface FakeInstall {
  teamId: string;
  teamName: string;
  botToken: string;
  botUserId: string;
  scope: string;
  /** A user token granted with the install (authed_user.access_token), when the test wants one. */
  userToken?: string;
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if ((contentType ?? '').startsWith('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    // The WebClient sends nested arguments (blocks, view, unfurls) as JSON strings inside the form.
    if (/^[[{]/.test(v)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // not JSON after all
      }
    }
    out[k] = v;
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

export class FakeSlack {
  readonly calls: FakeCall[] = [];
  readonly responses: FakeResponse[] = [];
  readonly users = new Map<string, FakeUser>();
  /** What oauth.v2.access hands out for the next code exchange. */
  install: FakeInstall = { teamId: 'TINSTALL', teamName: 'Installed Team', botToken: 'xoxb-installed', botUserId: 'UBOTINST', scope: 'commands,chat:write' };
  /** Failures to answer instead of success, consumed first-come per method (429s or Slack error codes). */
  readonly failures: Array<{ method: string; status?: number; retryAfter?: number; error?: string }> = [];
  /** File bodies uploaded to the URLs files.getUploadURLExternal handed out. */
  readonly uploads: Array<{ id: string; data: Buffer; at: number }> = [];
  /** Messages posted with chat.postMessage, by channel, for conversations.history. */
  readonly posted = new Map<string, Array<Record<string, unknown>>>();
  /** Bot tokens auth.test accepts, with their team; any other token is also accepted as the default team. */
  readonly tokens = new Map<string, { teamId: string; botUserId: string }>();
  /** The WebSocket URL apps.connections.open hands out (Socket Mode); unset, the method is unknown as before. */
  socketModeUrl: string | undefined;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  static async start(): Promise<FakeSlack> {
    const holder: { fake?: FakeSlack } = {};
    const server = createServer((req, res) => {
      void holder.fake!.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.fake = new FakeSlack(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return holder.fake;
  }

  setUser(id: string, user: FakeUser): void {
    this.users.set(id, user);
  }

  /** A fresh response_url on this fake, and its id for waitForResponse. */
  responseUrl(): { id: string; url: string } {
    const id = randomUUID();
    return { id, url: `${this.url}/response/${id}` };
  }

  callsTo(method: string): FakeCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async waitForCall(method: string, match: (c: FakeCall) => boolean = () => true, timeoutMs = 5000): Promise<FakeCall> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.calls.find((c) => c.method === method && match(c));
      if (found) return found;
      if (Date.now() > until) throw new Error(`no ${method} call within ${timeoutMs} ms; calls: ${this.calls.map((c) => c.method).join(', ') || 'none'}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async waitForResponse(id: string, timeoutMs = 5000): Promise<FakeResponse> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.responses.find((r) => r.id === id);
      if (found) return found;
      if (Date.now() > until) throw new Error(`nothing posted to response_url ${id} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', this.url).pathname;
    const rawBytes = await readBody(req);
    const raw = rawBytes.toString('utf8');
    const body = parseBody(raw, req.headers['content-type']);
    const json = (status: number, data: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(data));
    };
    const upload = /^\/upload\/([\w-]+)$/.exec(path);
    if (upload && req.method === 'POST') {
      this.uploads.push({ id: upload[1]!, data: rawBytes, at: Date.now() });
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end('OK');
    }
    const response = /^\/response\/([\w-]+)$/.exec(path);
    if (response && req.method === 'POST') {
      this.responses.push({ id: response[1]!, body, at: Date.now() });
      return json(200, { ok: true });
    }
    const api = /^\/api\/([\w.]+)$/.exec(path);
    if (!api) return json(404, { ok: false, error: 'not_found' });
    const method = api[1]!;
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : typeof body.token === 'string' ? body.token : undefined;
    this.calls.push({ method, token, body, at: Date.now() });
    const failure = this.failures.findIndex((f) => f.method === method);
    if (failure !== -1) {
      const [f] = this.failures.splice(failure, 1);
      if (f!.status === 429) {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(f!.retryAfter ?? 1) });
        return void res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      }
      return json(200, { ok: false, error: f!.error ?? 'internal_error' });
    }
    json(200, this.answer(method, token, body));
  }

  private answer(method: string, token: string | undefined, body: Record<string, unknown>): Record<string, unknown> {
    const needsToken = method !== 'oauth.v2.access';
    if (needsToken && !token) return { ok: false, error: 'not_authed' };
    switch (method) {
      case 'auth.test': {
        const known = token ? this.tokens.get(token) : undefined;
        return {
          ok: true,
          url: 'https://fake.slack.test/',
          team: 'Fake',
          user: 'bot',
          team_id: known?.teamId ?? 'TFAKE',
          user_id: known?.botUserId ?? 'UBOT',
          bot_id: 'BFAKE',
        };
      }
      case 'users.info': {
        const id = String(body.user ?? '');
        const u = this.users.get(id) ?? {};
        if (u.missing) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: {
            id,
            name: u.name ?? id.toLowerCase(),
            real_name: u.name ?? id,
            tz: u.tz ?? 'America/New_York',
            is_admin: u.admin ?? false,
            is_owner: u.owner ?? false,
            is_primary_owner: u.primaryOwner ?? false,
            profile: { display_name: u.name ?? '' },
          },
        };
      }
      case 'chat.postMessage': {
        const ts = `${Date.now() / 1000}${Math.random().toString().slice(2, 6)}`;
        const channel = String(body.channel);
        this.posted.set(channel, [...(this.posted.get(channel) ?? []), { ts, text: body.text, metadata: body.metadata }]);
        return { ok: true, channel, ts, message: { ts } };
      }
      case 'chat.postEphemeral':
        return { ok: true, channel: body.channel, ts: `${Date.now() / 1000}`, message_ts: `${Date.now() / 1000}` };
      case 'files.getUploadURLExternal': {
        const id = `F${randomUUID().slice(0, 8)}`;
        return { ok: true, upload_url: `${this.url}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal':
        return { ok: true, files: ((body.files as Array<{ id: string; title?: string }> | undefined) ?? []).map((f) => ({ id: f.id, title: f.title })) };
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(body.users)}` } };
      case 'conversations.history':
        return { ok: true, messages: [...(this.posted.get(String(body.channel)) ?? [])].reverse() };
      case 'views.publish':
        return { ok: true, view: { id: 'VFAKE', type: 'home' } };
      case 'chat.unfurl':
        return { ok: true };
      case 'apps.connections.open':
        if (!this.socketModeUrl) return { ok: false, error: 'unknown_method' };
        // Only an app-level token opens a connection, as on Slack.
        return token?.startsWith('xapp-') ? { ok: true, url: this.socketModeUrl } : { ok: false, error: 'not_allowed_token_type' };
      case 'oauth.v2.access': {
        const i = this.install;
        this.tokens.set(i.botToken, { teamId: i.teamId, botUserId: i.botUserId });
        return {
          ok: true,
          app_id: 'AFAKE',
          authed_user: { id: 'UINSTALLER', ...(i.userToken ? { access_token: i.userToken, scope: 'identify', token_type: 'user' } : {}) },
          scope: i.scope,
          token_type: 'bot',
          access_token: i.botToken,
          bot_user_id: i.botUserId,
          team: { id: i.teamId, name: i.teamName },
          enterprise: null,
          is_enterprise_install: false,
        };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}
