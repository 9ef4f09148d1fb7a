// Drives the real server the way Slack does: signed form-encoded slash commands, JSON events and
// interactivity payloads, with response_url pointing at the fake Slack.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { startTestApp, unique } from '../support/env.ts';
import { FakeSlack, type FakeResponse } from '../support/fakeSlack.ts';

export const SIGNING_SECRET = 'slack-test-signing-secret-0123456789';

export interface HttpAnswer {
  status: number;
  text: string;
  ms: number;
}

/** Signs independently of the app's own code, straight from Slack's description of v0 signatures. */
export function sign(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export async function postToSlackEndpoint(
  baseUrl: string,
  body: string,
  contentType: string,
  opts: { secret?: string; timestamp?: number; signature?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = opts.signature ?? sign(opts.secret ?? SIGNING_SECRET, timestamp, body);
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature, ...opts.headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - t0 };
}

export interface Who {
  team: string;
  user: string;
  channelId?: string;
  channelName?: string;
}

export function newTeam() {
  const team = unique('T').toUpperCase();
  return { team, member: (user = unique('U').toUpperCase()): Who => ({ team, user }) };
}

export function commandForm(who: Who, command: string, text: string, responseUrl: string): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: who.team,
    team_domain: who.team.toLowerCase(),
    channel_id: who.channelId ?? 'C0TEST',
    channel_name: who.channelName ?? 'general',
    user_id: who.user,
    user_name: who.user.toLowerCase(),
    command: `/${command}`,
    text,
    api_app_id: 'AFAKE',
    is_enterprise_install: 'false',
    response_url: responseUrl,
    trigger_id: '123.456.abc',
  }).toString();
}

/** Sends a slash command; returns the HTTP answer (the ack) and what later arrived at response_url. */
export async function slash(
  baseUrl: string,
  fake: FakeSlack,
  who: Who,
  command: string,
  text: string,
  opts: { waitMs?: number } = {},
): Promise<{ http: HttpAnswer; reply: FakeResponse }> {
  const { id, url } = fake.responseUrl();
  const http = await postToSlackEndpoint(baseUrl, commandForm(who, command, text, url), 'application/x-www-form-urlencoded');
  if (http.status !== 200) throw new Error(`slash command answered ${http.status}: ${http.text}`);
  const reply = await fake.waitForResponse(id, opts.waitMs ?? 8000);
  return { http, reply };
}

export function eventBody(team: string, event: Record<string, unknown>, eventId = unique('Ev')): string {
  return JSON.stringify({
    token: 'x',
    team_id: team,
    api_app_id: 'AFAKE',
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    event,
  });
}

export async function sendEvent(
  baseUrl: string,
  team: string,
  event: Record<string, unknown>,
  opts: { eventId?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  return postToSlackEndpoint(baseUrl, eventBody(team, event, opts.eventId), 'application/json', { headers: opts.headers });
}

interface BlockLike {
  type: string;
  text?: { text: string };
  fields?: Array<{ text: string }>;
  elements?: Array<{ text?: string | { text: string }; url?: string }>;
}

/** Every string a person would see in the blocks, in order (zero-width fences kept). */
export function blockStrings(blocks: unknown): string[] {
  const out: string[] = [];
  for (const b of (blocks ?? []) as BlockLike[]) {
    if (b.text) out.push(b.text.text);
    for (const f of b.fields ?? []) out.push(f.text);
    for (const e of b.elements ?? []) {
      if (typeof e.text === 'string') out.push(e.text);
      else if (e.text) out.push(e.text.text);
      if (e.url) out.push(e.url);
    }
  }
  return out;
}

/** The blocks as one readable string: zero-width fences removed, entities decoded back. */
export function visibleText(blocks: unknown): string {
  return blockStrings(blocks)
    .join('\n')
    .replace(/\u200B/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** One running single-workspace Slack app (bot token `botToken`) pointed at a fresh fake Slack API; registers its own beforeAll/afterAll. */
export function useSlackApp(botToken: string): { rt: Awaited<ReturnType<typeof startTestApp>>; fake: FakeSlack } {
  const app = {} as { rt: Awaited<ReturnType<typeof startTestApp>>; fake: FakeSlack };
  beforeAll(async () => {
    app.fake = await FakeSlack.start();
    app.rt = await startTestApp({ SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: botToken, SLACK_API_URL: app.fake.apiUrl });
  });
  afterAll(async () => {
    await app.rt?.close();
    await app.fake?.close();
  });
  return app;
}

/** Someone (by default in a team of their own) who set up a storefront from Slack, so their commission notifications go to a Slack DM. */
export async function slackInfluencer(
  baseUrl: string,
  fake: FakeSlack,
  prefix = 'si',
  who: Who = newTeam().member(),
): Promise<{ who: Who; handle: string; tag: string }> {
  const handle = unique(prefix);
  const { reply } = await slash(baseUrl, fake, who, 'storefront', `setup ${handle} ${handle}-20`);
  if (!JSON.stringify(reply.body).includes('Storefront created')) throw new Error(`setup failed: ${JSON.stringify(reply.body)}`);
  return { who, handle, tag: `${handle}-20` };
}

/** One running app in Slack OAuth (multi-workspace) mode, pointed at a fresh fake Slack; registers its own beforeAll/afterAll. */
export function useOAuthSlackApp(): { rt: Awaited<ReturnType<typeof startTestApp>>; fake: FakeSlack } {
  const app = {} as { rt: Awaited<ReturnType<typeof startTestApp>>; fake: FakeSlack };
  beforeAll(async () => {
    app.fake = await FakeSlack.start();
    app.rt = await startTestApp({
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_CLIENT_ID: '1111.2222',
      SLACK_CLIENT_SECRET: 'client-secret-for-tests',
      SLACK_STATE_SECRET: 'state-secret-for-tests-0123456789',
      SLACK_API_URL: app.fake.apiUrl,
    });
  });
  afterAll(async () => {
    await app.rt?.close();
    await app.fake?.close();
  });
  return app;
}

/** GET /slack/install as a browser would: Slack's authorize URL, the state in it and the state cookie. */
export async function beginInstall(baseUrl: string): Promise<{ location: URL; cookie: string; state: string }> {
  const res = await fetch(`${baseUrl}/slack/install`, { redirect: 'manual' });
  if (res.status !== 302) throw new Error(`/slack/install answered ${res.status}`);
  const location = new URL(res.headers.get('location')!);
  return { location, cookie: res.headers.get('set-cookie')!.split(';')[0]!, state: location.searchParams.get('state')! };
}

/** A button press as Slack sends it: a signed block_actions payload posted to the events endpoint. */
export function pressButton(baseUrl: string, who: Who, button: { action_id: string; value: string }, responseUrl: string): Promise<HttpAnswer> {
  const payload = {
    type: 'block_actions',
    team: { id: who.team, domain: who.team.toLowerCase() },
    user: { id: who.user, team_id: who.team },
    api_app_id: 'AFAKE',
    token: 'x',
    trigger_id: '1.2.3',
    container: { type: 'message', message_ts: '1.1', channel_id: 'C0TEST', is_ephemeral: true },
    channel: { id: 'C0TEST', name: 'general' },
    response_url: responseUrl,
    actions: [{ type: 'button', action_id: button.action_id, block_id: 'b1', text: { type: 'plain_text', text: 'x' }, value: button.value, action_ts: '1.2' }],
  };
  return postToSlackEndpoint(baseUrl, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
}
