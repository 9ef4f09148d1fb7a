// The fake Slack Web API for bench/notify.ts, run as a child process so it never shares an event loop with the
// workers it measures. Point SLACK_API_URL at http://<host>:<port>/api/.
//
// Serves auth.test, users.info, conversations.open (one DM channel per user: D<user id>), conversations.history
// (what was posted, for the notifier's "already sent?" check) and chat.postMessage, which ENFORCES Slack's rule of
// about one message per second per channel strictly: a message is refused with 429 and `Retry-After: 1` when the
// same channel accepted one less than FAKE_WINDOW_MS ago (a sliding window; refused attempts do not count).
// Accepted messages are counted per (channel, message metadata key), so duplicates show up.
//
// GET /stats answers the counters as JSON (see Stats). Prints one line `listening <port>` on stdout once it
// accepts connections. Env: FAKE_HOST (127.0.0.1), FAKE_PORT (0 = any free port), FAKE_WINDOW_MS (1000).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const WINDOW_MS = Number(process.env.FAKE_WINDOW_MS ?? 1000);

export interface Stats {
  windowMs: number;
  /** chat.postMessage calls accepted (messages delivered). */
  sent: number;
  /** chat.postMessage calls refused with 429. */
  rateLimited: number;
  /** Epoch ms of every 429, in order. */
  rateLimitedAt: number[];
  /** Epoch ms of the first and last chat.postMessage call (accepted or not). */
  firstPostAt: number | null;
  lastPostAt: number | null;
  /** Messages without a metadata key (a notifier always sets one). */
  withoutKey: number;
  /** Accepted messages per key, with every channel it landed in: [key, count, channels joined by ","]. */
  byKey: Array<[string, number, string]>;
  /** Per channel that accepted more than one message: count, span first→last, smallest gap between accepted messages, 429s. */
  busyChannels: Array<{ channel: string; sent: number; spanMs: number; minGapMs: number; rateLimited: number }>;
  /** Channels that accepted at least one message. */
  channels: number;
  /** Calls per API method. */
  calls: Record<string, number>;
}

interface Channel {
  last: number;
  first: number;
  sent: number;
  minGap: number;
  rateLimited: number;
}

const channels = new Map<string, Channel>();
const byKey = new Map<string, { count: number; channels: Set<string> }>();
const calls: Record<string, number> = {};
const rateLimitedAt: number[] = [];
let sent = 0;
let withoutKey = 0;
let firstPostAt: number | null = null;
let lastPostAt: number | null = null;
let tsCounter = 0;

function parseForm(raw: string, contentType: string | undefined): Record<string, unknown> {
  if ((contentType ?? '').startsWith('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) out[k] = v;
  return out;
}

function metadataKey(metadata: unknown): string | undefined {
  let m = metadata;
  if (typeof m === 'string') {
    try {
      m = JSON.parse(m);
    } catch {
      return undefined;
    }
  }
  const key = (m as { event_payload?: { key?: unknown } } | undefined)?.event_payload?.key;
  return typeof key === 'string' ? key : undefined;
}

const posted = new Map<string, Array<{ ts: string; metadata: unknown }>>();

function postMessage(body: Record<string, unknown>, res: ServerResponse): void {
  const now = Date.now();
  firstPostAt ??= now;
  lastPostAt = now;
  const channel = String(body.channel ?? '');
  if (!channel) return json(res, 200, { ok: false, error: 'channel_not_found' });
  let ch = channels.get(channel);
  if (ch && now - ch.last < WINDOW_MS) {
    ch.rateLimited++;
    rateLimitedAt.push(now);
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end('{"ok":false,"error":"ratelimited"}');
    return;
  }
  if (!ch) {
    ch = { last: now, first: now, sent: 0, minGap: Infinity, rateLimited: 0 };
    channels.set(channel, ch);
  } else {
    ch.minGap = Math.min(ch.minGap, now - ch.last);
  }
  ch.last = now;
  ch.sent++;
  sent++;
  const key = metadataKey(body.metadata);
  if (key === undefined) withoutKey++;
  else {
    const k = byKey.get(key) ?? { count: 0, channels: new Set<string>() };
    k.count++;
    k.channels.add(channel);
    byKey.set(key, k);
  }
  const ts = `${Math.floor(now / 1000)}.${String(++tsCounter).padStart(6, '0')}`;
  const list = posted.get(channel) ?? [];
  list.push({ ts, metadata: typeof body.metadata === 'string' ? (JSON.parse(body.metadata) as unknown) : body.metadata });
  if (list.length > 50) list.shift();
  posted.set(channel, list);
  json(res, 200, { ok: true, channel, ts, message: { ts } });
}

function stats(): Stats {
  return {
    windowMs: WINDOW_MS,
    sent,
    rateLimited: rateLimitedAt.length,
    rateLimitedAt,
    firstPostAt,
    lastPostAt,
    withoutKey,
    byKey: [...byKey].map(([key, v]) => [key, v.count, [...v.channels].join(',')]),
    busyChannels: [...channels]
      .filter(([, c]) => c.sent > 1 || c.rateLimited > 0)
      .map(([channel, c]) => ({
        channel,
        sent: c.sent,
        spanMs: c.last - c.first,
        minGapMs: Number.isFinite(c.minGap) ? c.minGap : 0,
        rateLimited: c.rateLimited,
      })),
    channels: channels.size,
    calls,
  };
}

function json(res: ServerResponse, status: number, data: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(data));
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  const path = (req.url ?? '/').split('?')[0]!;
  if (req.method === 'GET' && path === '/stats') return json(res, 200, stats());
  const api = /^\/api\/([\w.]+)$/.exec(path);
  if (!api) return json(res, 404, { ok: false, error: 'not_found' });
  const method = api[1]!;
  calls[method] = (calls[method] ?? 0) + 1;
  const body = parseForm(Buffer.concat(chunks).toString('utf8'), req.headers['content-type']);
  const auth = req.headers.authorization;
  if (!auth?.startsWith('Bearer ') && typeof body.token !== 'string') return json(res, 200, { ok: false, error: 'not_authed' });
  switch (method) {
    case 'chat.postMessage':
      return postMessage(body, res);
    case 'conversations.open': {
      const users = String(body.users ?? '');
      if (!users || users.includes(',')) return json(res, 200, { ok: false, error: 'invalid_arguments' });
      return json(res, 200, { ok: true, channel: { id: `D${users}` } });
    }
    case 'conversations.history': {
      const list = posted.get(String(body.channel ?? '')) ?? [];
      return json(res, 200, { ok: true, messages: [...list].reverse() });
    }
    case 'auth.test':
      return json(res, 200, { ok: true, url: 'https://fake.slack.test/', team: 'Bench', user: 'bot', team_id: 'TBENCH', user_id: 'UBOT', bot_id: 'BBENCH' });
    case 'users.info': {
      const id = String(body.user ?? '');
      return json(res, 200, {
        ok: true,
        user: {
          id,
          name: id.toLowerCase(),
          real_name: id,
          tz: 'UTC',
          is_admin: false,
          is_owner: false,
          is_primary_owner: false,
          profile: { display_name: id },
        },
      });
    }
    default:
      return json(res, 200, { ok: false, error: 'unknown_method' });
  }
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    if (!res.headersSent) json(res, 500, { ok: false, error: String(err) });
  });
});
server.keepAliveTimeout = 30_000;

server.listen(Number(process.env.FAKE_PORT ?? 0), process.env.FAKE_HOST ?? '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
