// A local stand-in for Discord's REST API (point DISCORD_API_URL, or the REST `api` option, at `apiUrl`).
// Records every call with its method, path, auth header and body (JSON, or multipart with its files); serves
// interaction webhook edits and follow-ups, DM channel creation, channel messages and command bulk overwrites;
// and can be told to answer the next matching call with a 429 (retry_after) or an error such as 403 or 404.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeDiscordFile {
  field: string;
  name: string;
  contentType: string;
  data: Buffer;
}

export interface FakeDiscordCall {
  method: string;
  /** Path below the API version, like /channels/123/messages. */
  path: string;
  auth: string | undefined;
  body: Record<string, unknown> | unknown[] | undefined;
  files: FakeDiscordFile[];
  at: number;
  /** The status the fake answered with. */
  status: number;
}

export interface FakeFailure {
  method?: string;
  path: RegExp;
  status: number;
  body?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** How many matching calls fail (default 1). */
  times?: number;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

export class FakeDiscord {
  readonly calls: FakeDiscordCall[] = [];
  /** Messages created with enforce_nonce, by channel and nonce. */
  readonly nonces = new Map<string, Record<string, unknown>>();
  /** Registered commands by scope: 'global' or the guild id. */
  readonly commands = new Map<string, Array<Record<string, unknown>>>();
  private readonly failures: Array<FakeFailure & { left: number }> = [];
  private nextId = BigInt(Date.now()) * 1000n;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** What to give discord.js REST as `api` (it appends /v10). */
  get apiUrl(): string {
    return `${this.url}/api`;
  }

  static async start(): Promise<FakeDiscord> {
    const holder: { fake?: FakeDiscord } = {};
    const server = createServer((req, res) => {
      void holder.fake!.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.fake = new FakeDiscord(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return holder.fake;
  }

  /** The next `times` calls matching answer with this failure instead. */
  fail(f: FakeFailure): void {
    this.failures.push({ ...f, left: f.times ?? 1 });
  }

  /** A 429 as Discord sends it: Retry-After header and retry_after in the body, in seconds. */
  rateLimit(path: RegExp, retryAfterSeconds: number, opts: { global?: boolean; method?: string } = {}): void {
    this.fail({
      method: opts.method,
      path,
      status: 429,
      body: { message: 'You are being rate limited.', retry_after: retryAfterSeconds, global: opts.global ?? false },
      headers: {
        'retry-after': String(retryAfterSeconds),
        ...(opts.global ? { 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' } : { 'x-ratelimit-scope': 'user' }),
      },
    });
  }

  callsTo(method: string, path: RegExp): FakeDiscordCall[] {
    return this.calls.filter((c) => c.method === method && path.test(c.path));
  }

  /** The edits of an interaction's original answer, oldest first. */
  editsOf(token: string): FakeDiscordCall[] {
    return this.calls.filter((c) => c.method === 'PATCH' && c.path.endsWith(`/${token}/messages/@original`));
  }

  async waitForCall(method: string, path: RegExp, timeoutMs = 8000): Promise<FakeDiscordCall> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.calls.find((c) => c.method === method && path.test(c.path) && c.status < 300);
      if (found) return found;
      if (Date.now() > until)
        throw new Error(`no ${method} ${path} within ${timeoutMs} ms; calls: ${this.calls.map((c) => `${c.method} ${c.path}`).join(', ') || 'none'}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private snowflake(): string {
    this.nextId += 1n;
    return this.nextId.toString();
  }

  private async parse(req: IncomingMessage, raw: Buffer): Promise<{ body: FakeDiscordCall['body']; files: FakeDiscordFile[] }> {
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('multipart/form-data')) {
      // The platform's own multipart parser, as a server would use.
      const form = await new Request('http://fake.local/', { method: 'POST', headers: { 'content-type': type }, body: raw }).formData();
      const files: FakeDiscordFile[] = [];
      let body: FakeDiscordCall['body'];
      for (const [field, value] of form.entries()) {
        if (typeof value === 'string') {
          if (field === 'payload_json') body = JSON.parse(value) as Record<string, unknown>;
        } else {
          files.push({ field, name: value.name, contentType: value.type, data: Buffer.from(await value.arrayBuffer()) });
        }
      }
      return { body, files };
    }
    if (raw.length === 0) return { body: undefined, files: [] };
    return { body: JSON.parse(raw.toString('utf8')) as Record<string, unknown>, files: [] };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const full = decodeURIComponent(new URL(req.url ?? '/', this.url).pathname);
    const path = full.replace(/^\/api\/v\d+/, '');
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const { body, files } = await this.parse(req, raw);
    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      this.calls.push({ method, path, auth: req.headers.authorization, body, files, at: Date.now(), status });
      if (status === 204) {
        res.writeHead(204, headers);
        res.end();
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(data));
    };
    const failure = this.failures.find((f) => f.left > 0 && (!f.method || f.method === method) && f.path.test(path));
    if (failure) {
      failure.left -= 1;
      return send(failure.status, failure.body ?? { message: 'error', code: 0 }, failure.headers);
    }
    const json = (body ?? {}) as Record<string, unknown>;
    const message = (channelId: string) => ({
      id: this.snowflake(),
      channel_id: channelId,
      type: 0,
      timestamp: new Date().toISOString(),
      ...json,
      attachments: files.map((f, i) => ({ id: String(i), filename: f.name })),
    });

    let m: RegExpExecArray | null;
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/@original$/.exec(path))) {
      if (method === 'PATCH') return send(200, message('interaction-channel'));
      if (method === 'DELETE') return send(204, undefined);
    }
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)$/.exec(path)) && method === 'POST') return send(200, message('interaction-channel'));
    if (path === '/users/@me/channels' && method === 'POST') {
      const recipient = String(json.recipient_id ?? '');
      return send(200, { id: `9${recipient}`, type: 1, recipients: [{ id: recipient }] });
    }
    if ((m = /^\/channels\/(\d+)\/messages$/.exec(path)) && method === 'POST') {
      // enforce_nonce: the same nonce in the same channel returns the message created first, creating nothing.
      const nonceKey = json.enforce_nonce && typeof json.nonce === 'string' ? `${m[1]}:${json.nonce}` : undefined;
      const earlier = nonceKey ? this.nonces.get(nonceKey) : undefined;
      if (earlier) return send(200, { ...earlier, deduplicated: true });
      const created = message(m[1]!);
      if (nonceKey) this.nonces.set(nonceKey, created);
      return send(200, created);
    }
    if ((m = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(path)) && method === 'PUT') {
      const scope = m[2] ?? 'global';
      const saved = (body as Array<Record<string, unknown>>).map((c) => ({
        id: this.snowflake(),
        application_id: m![1],
        ...(m![2] ? { guild_id: m![2] } : {}),
        version: '1',
        ...c,
      }));
      this.commands.set(scope, saved);
      return send(200, saved);
    }
    send(404, { message: '404: Not Found', code: 0 });
  }
}
