// Socket Mode end to end: the app started with SLACK_SOCKET_MODE=1 asks the (fake) Web API for a WebSocket URL
// with its app-level token, connects to a local Socket Mode server, and takes slash commands as Slack sends
// them over the socket: an envelope acknowledged on the socket at once, the answer sent to response_url.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { startTestApp, testDb, unique } from '../support/env.ts';
import { FakeSlack } from '../support/fakeSlack.ts';
import { newTeam, postToSlackEndpoint, visibleText, type Who } from './helpers.ts';

const APP_TOKEN = 'xapp-1-A0SOCKET-1-socketmodetest';
const BOT_TOKEN = 'xoxb-socket-mode';

interface Received {
  data: Record<string, unknown>;
  at: number;
}

/** Slack's side of the WebSocket: says hello on connect, sends envelopes, records what the app sends back. */
class FakeSocketMode {
  readonly received: Received[] = [];
  readonly sockets: WebSocket[] = [];

  private constructor(private readonly wss: WebSocketServer) {
    wss.on('connection', (socket) => {
      this.sockets.push(socket);
      socket.on('message', (raw, isBinary) => {
        if (isBinary) return;
        this.received.push({ data: JSON.parse(raw.toString()) as Record<string, unknown>, at: Date.now() });
      });
      // What Slack sends first on a new connection; the client counts as connected only after it.
      socket.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          debug_info: { host: 'applink-fake-1', build_number: 1, approximate_connection_time: 18060 },
          connection_info: { app_id: 'A0SOCKET' },
        }),
      );
    });
  }

  static async start(): Promise<FakeSocketMode> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return new FakeSocketMode(wss);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/`;
  }

  /** Sends an envelope on the (single) open connection; returns when it was sent. */
  send(envelope: Record<string, unknown>): number {
    const open = this.sockets.filter((s) => s.readyState === s.OPEN);
    if (open.length !== 1) throw new Error(`expected one open Socket Mode connection, found ${open.length}`);
    open[0]!.send(JSON.stringify(envelope));
    return Date.now();
  }

  acksOf(envelopeId: string): Received[] {
    return this.received.filter((r) => r.data.envelope_id === envelopeId);
  }

  async waitForAck(envelopeId: string, timeoutMs = 5000): Promise<Received> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.acksOf(envelopeId)[0];
      if (found) return found;
      if (Date.now() > until)
        throw new Error(`envelope ${envelopeId} was not acknowledged within ${timeoutMs} ms; received: ${JSON.stringify(this.received.map((r) => r.data))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Waits for the app to close its end (it should, on stop), then shuts the server. */
  async close(): Promise<void> {
    await Promise.all(
      this.sockets.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.readyState === s.CLOSED) return resolve();
            const t = setTimeout(() => {
              s.terminate();
              resolve();
            }, 2000);
            s.once('close', () => {
              clearTimeout(t);
              resolve();
            });
          }),
      ),
    );
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

/** A slash command envelope exactly as Slack sends it over Socket Mode. */
function slashEnvelope(who: Who, command: string, text: string, responseUrl: string) {
  return {
    envelope_id: randomUUID(),
    type: 'slash_commands',
    accepts_response_payload: true,
    payload: {
      token: 'deprecated-verification-token',
      team_id: who.team,
      team_domain: who.team.toLowerCase(),
      channel_id: who.channelId ?? 'C0SOCKET',
      channel_name: who.channelName ?? 'general',
      user_id: who.user,
      user_name: who.user.toLowerCase(),
      command: `/${command}`,
      text,
      api_app_id: 'A0SOCKET',
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: `${Date.now()}.1234.${randomUUID().slice(0, 8)}`,
    },
  };
}

const db = testDb();
let fake: FakeSlack;
let socket: FakeSocketMode;
let rt: Awaited<ReturnType<typeof startTestApp>>;

beforeAll(async () => {
  fake = await FakeSlack.start();
  socket = await FakeSocketMode.start();
  fake.socketModeUrl = socket.url;
  // Resolves once the socket is connected (after hello): startRuntime awaits the adapter's start.
  rt = await startTestApp({ SLACK_SOCKET_MODE: '1', SLACK_APP_TOKEN: APP_TOKEN, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl });
});
afterAll(async () => {
  await rt?.close();
  await socket?.close();
  await fake?.close();
  await db.destroy();
});

/** Sends a slash command over the socket; returns the ack and the answer at response_url, each with its delay in ms. */
async function command(who: Who, name: string, text: string) {
  const { id, url } = fake.responseUrl();
  const envelope = slashEnvelope(who, name, text, url);
  const sentAt = socket.send(envelope);
  const ack = await socket.waitForAck(envelope.envelope_id);
  const reply = await fake.waitForResponse(id, 8000);
  return { envelope, ackMs: ack.at - sentAt, replyMs: reply.at - sentAt, ack: ack.data, body: reply.body, visible: visibleText(reply.body.blocks) };
}

describe('when the app runs in Socket Mode', () => {
  it('then it opens one WebSocket from apps.connections.open, asked with the app-level token, and mounts no HTTP route', async () => {
    const opens = fake.callsTo('apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]!.token).toBe(APP_TOKEN);
    expect(socket.sockets).toHaveLength(1);
    expect(socket.sockets[0]!.readyState).toBe(socket.sockets[0]!.OPEN);
    // Payloads come over the socket only: the events endpoint does not exist.
    expect((await postToSlackEndpoint(rt.url, 'command=%2Fstorefront', 'application/x-www-form-urlencoded')).status).toBe(404);
  });

  it('then a slash command envelope is acknowledged on the socket at once, and the answer arrives at response_url', async () => {
    const who = newTeam().member();
    const r = await command(who, 'storefront', 'help');
    // The ack names the envelope and carries no answer of its own (the answer goes to response_url).
    expect(r.ack).toEqual({ envelope_id: r.envelope.envelope_id, payload: {} });
    expect(r.ackMs).toBeLessThan(1500);
    expect(r.body.response_type).toBe('ephemeral');
    expect(r.visible).toMatch(/Commands[\s\S]*\/storefront setup <handle> <tracking-id>/);
    expect(r.visible).toContain('/storefront add');
    // Acknowledged exactly once.
    await rt.idle();
    expect(socket.acksOf(r.envelope.envelope_id)).toHaveLength(1);
  });

  it('then a command that changes data works as over HTTP, and is acknowledged before its slow work is done', async () => {
    const who = newTeam().member();
    const handle = unique('sm');
    // users.info is rate limited once: the command's work waits a second for Slack's Retry-After; the ack must not.
    fake.failures.push({ method: 'users.info', status: 429, retryAfter: 1 });
    const r = await command(who, 'storefront', `setup ${handle} ${handle}-20`);
    expect(r.ack).toEqual({ envelope_id: r.envelope.envelope_id, payload: {} });
    expect(r.ackMs).toBeLessThan(500);
    expect(r.replyMs).toBeGreaterThanOrEqual(950);
    expect(r.visible).toContain('Storefront created');
    expect(r.visible).toContain(`http://links.test/s/${handle}`);
    const inf = await db.selectFrom('influencers').select('organisation_id').where('handle', '=', handle).executeTakeFirstOrThrow();
    const ws = await db.selectFrom('slack_workspaces').select('organisation_id').where('team_id', '=', who.team).executeTakeFirstOrThrow();
    expect(inf.organisation_id).toBe(ws.organisation_id);
    // Web API calls made for the command use the bot token, never the app-level token.
    const lookups = fake.callsTo('users.info').filter((c) => c.body.user === who.user);
    expect(lookups.length).toBeGreaterThanOrEqual(1);
    for (const c of lookups) expect(c.token).toBe(BOT_TOKEN);
  });

  it('then /digest from a member who is not a manager is acknowledged and refused privately, while an admin gets the digest', async () => {
    const team = newTeam();
    const member = team.member();
    const handle = unique('sm');
    expect((await command(member, 'storefront', `setup ${handle} ${handle}-20`)).visible).toContain('Storefront created');
    const refused = await command(member, 'digest', 'now');
    expect(refused.ack).toEqual({ envelope_id: refused.envelope.envelope_id, payload: {} });
    expect(refused.ackMs).toBeLessThan(1500);
    expect(refused.body.response_type).toBe('ephemeral');
    expect(refused.visible).toContain('Only managers');
    expect(refused.visible).not.toContain('Team digest');
    expect(refused.visible).not.toContain(`@${handle}`);

    const subscribe = await command(member, 'digest', 'subscribe 08:00');
    expect(subscribe.visible).toContain('Only managers');
    const ws = await db.selectFrom('slack_workspaces').select('organisation_id').where('team_id', '=', team.team).executeTakeFirstOrThrow();
    expect(await db.selectFrom('digest_subscriptions').select('id').where('organisation_id', '=', ws.organisation_id).execute()).toEqual([]);

    const admin = team.member();
    fake.setUser(admin.user, { admin: true, tz: 'Europe/Berlin' });
    const allowed = await command(admin, 'digest', 'now');
    expect(allowed.visible).toMatch(/Team digest · \d{4}-\d{2}-\d{2}/);
    expect(allowed.visible).toContain(`@${handle}`);
    expect(allowed.visible).toMatch(/Yesterday is \d{4}-\d{2}-\d{2} in Europe\/Berlin/);
  });
});
