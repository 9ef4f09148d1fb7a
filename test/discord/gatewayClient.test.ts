// Gateway mode end to end: the app started with DISCORD_GATEWAY=1 asks the (fake) REST API for the gateway URL
// with its bot token, connects to a local gateway, identifies with the intents it declares, and answers an
// influencer's Amazon link posted in an opted-in channel with one reply carrying their short link. When the
// service stops, the connection closes and nothing keeps the process alive.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { run } from '../support/commands.ts';
import { startTestApp, testDb } from '../support/env.ts';
import { FakeDiscordGateway, type GatewaySession } from '../support/fakeDiscordGateway.ts';
import { randomAsin } from '../support/fixtures.ts';
import { APPLICATION_ID, BOT_TOKEN, guildWithInfluencer, PUBLIC_KEY_HEX, snowflake, visibleText, type DiscordMessageLike } from './helpers.ts';

const db = testDb();
afterAll(() => db.destroy());

const PUBLIC_BASE_URL = 'https://go.test';
// Guilds, GuildMessages, MessageContent, from Discord's documented bit positions rather than the code's imports.
const INTENTS = (1 << 0) | (1 << 9) | (1 << 15);

function gatewayEnv(fake: FakeDiscordGateway): Record<string, string> {
  return {
    DISCORD_PUBLIC_KEY: PUBLIC_KEY_HEX,
    DISCORD_APPLICATION_ID: APPLICATION_ID,
    DISCORD_BOT_TOKEN: BOT_TOKEN,
    DISCORD_API_URL: fake.apiUrl,
    DISCORD_GATEWAY: '1',
    PUBLIC_BASE_URL,
  };
}

type Guild = Awaited<ReturnType<typeof guildWithInfluencer>>;

/** A guild on the fake with the opted-in channel and one that is not. */
async function guildOn(fake: FakeDiscordGateway): Promise<Guild & { quietChannelId: string }> {
  const g = await guildWithInfluencer(db);
  const quietChannelId = snowflake();
  fake.addGuild({ id: g.guildId, channelIds: [g.channelId, quietChannelId] });
  return { ...g, quietChannelId };
}

function influencerPosts(fake: FakeDiscordGateway, g: Guild, content: string, channelId = g.channelId): string {
  return fake.postMessage({ guildId: g.guildId, channelId, author: { id: g.influencer.userId }, content });
}

const SHORT_LINK = /https:\/\/go\.test\/l\/([0-9A-Za-z]+)/;

describe('when the bot runs in gateway mode', () => {
  let fake: FakeDiscordGateway;
  let rt: Awaited<ReturnType<typeof startTestApp>> | undefined;
  let g: Awaited<ReturnType<typeof guildOn>>;
  let session: GatewaySession;

  beforeAll(async () => {
    fake = await FakeDiscordGateway.start({ token: BOT_TOKEN, applicationId: APPLICATION_ID });
    g = await guildOn(fake);
    rt = await startTestApp(gatewayEnv(fake));
    session = await fake.readySession();
  });
  afterAll(async () => {
    await rt?.close();
    await fake?.close();
  });

  it('then it logs in with the configured token and the intents it declares, in plain JSON, and answers heartbeat requests', async () => {
    const gatewayBot = fake.calls.filter((c) => c.path === '/gateway/bot');
    expect(gatewayBot.length).toBeGreaterThan(0);
    for (const c of gatewayBot) expect(c.auth).toBe(`Bot ${BOT_TOKEN}`);
    expect(Object.fromEntries(session.query)).toEqual({ v: '10', encoding: 'json' });
    expect(session.identify).toMatchObject({ token: BOT_TOKEN, intents: INTENTS, shard: [0, 1] });
    expect(session.identify?.compress).toBeFalsy();
    // Discord may ask for a heartbeat at any time; it must carry the last sequence number and is acknowledged.
    const acked = session.heartbeatsAcked;
    fake.requestHeartbeat();
    await fake.until(() => session.heartbeatsAcked > acked, 'a heartbeat');
    // (@discordjs/ws can miss the sequence of a dispatch that arrives together with READY, so not always the last.)
    const beat = session.received.filter((p) => p.op === 1).at(-1)?.d;
    expect(beat).toBeGreaterThanOrEqual(1);
    expect(beat).toBeLessThanOrEqual(session.sequence);
    expect(fake.sessions).toHaveLength(1);
  });

  it('then an influencer’s Amazon link in an opted-in channel gets exactly one reply with their tagged short link', async () => {
    const before = fake.posted.length;
    const asin = randomAsin();
    const id = influencerPosts(fake, g, `look at this https://www.amazon.com/Some-Thing/dp/${asin}/ref=sr_1?tag=someone-20 (so good)`);
    const reply = await fake.waitForReply(id);
    expect(reply.channelId).toBe(g.channelId);
    // A reply to the message that pings nobody, not even its author.
    expect(reply.body.message_reference).toMatchObject({ message_id: id });
    expect(reply.body.allowed_mentions).toEqual({ parse: [], replied_user: false });
    const text = visibleText(reply.body as DiscordMessageLike);
    expect(text).toContain(`@${g.handle}`);
    expect(text).toContain(asin);
    const code = SHORT_LINK.exec(text)?.[1];
    expect(code, text).toBeDefined();
    // The link a follower clicks goes to Amazon with the influencer's tag, and is the one /link hands out.
    const res = await fetch(`${rt!.url}/l/${code}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`https://www.amazon.com/dp/${asin}?tag=${g.handle}-20`);
    expect((await run(db, g.influencer, 'link', asin)).copy).toBe(`${PUBLIC_BASE_URL}/l/${code}`);

    // A later message is answered too, and by then a second answer to the first (or to the bot's own echoed
    // reply) would have been posted: the two handlers run concurrently.
    const next = influencerPosts(fake, g, `https://amazon.com/gp/product/${randomAsin()}`);
    await fake.waitForReply(next);
    expect(fake.posted.slice(before).map((p) => (p.body.message_reference as { message_id: string }).message_id)).toEqual([id, next]);
  });

  it('then bots, webhooks, channels not opted in and messages without an Amazon link get no reply', async () => {
    const before = fake.posted.length;
    const url = `https://www.amazon.com/dp/${randomAsin()}`;
    const otherBot = fake.postMessage({ guildId: g.guildId, channelId: g.channelId, author: { id: snowflake(), bot: true }, content: url });
    const webhook = fake.postMessage({ guildId: g.guildId, channelId: g.channelId, author: { id: g.influencer.userId }, content: url, webhookId: snowflake() });
    const elsewhere = influencerPosts(fake, g, url, g.quietChannelId);
    const noLink = influencerPosts(fake, g, 'no link here, only https://example.com/dp/B000000000 and https://amazon.com.evil.test/dp/B000000000');
    // Handlers run concurrently, so silence is judged against answered messages posted after these: each answer
    // takes a full handler's work, and by the second one an answer to the messages above would have been sent.
    const sentinels: string[] = [];
    for (let i = 0; i < 2; i++) {
      sentinels.push(influencerPosts(fake, g, `https://www.amazon.com/dp/${randomAsin()}`));
      await fake.waitForReply(sentinels[i]!);
    }
    for (const id of [otherBot, webhook, elsewhere, noLink]) expect(fake.repliesTo(id)).toEqual([]);
    expect(fake.posted.slice(before).map((p) => (p.body.message_reference as { message_id: string }).message_id)).toEqual(sentinels);
  });

  it('then stopping the service closes the gateway connection from the bot’s side', async () => {
    await rt!.close();
    rt = undefined;
    const closed = await fake.until(() => session.closed, 'the gateway connection closing');
    expect(closed).toEqual({ code: 1000, byServer: false });
    expect(fake.sessions).toHaveLength(1);
  });
});

describe('when a service with gateway mode on is stopped', () => {
  it('then its process exits by itself: the client leaves no open handles behind', async () => {
    const fake = await FakeDiscordGateway.start({ token: BOT_TOKEN, applicationId: APPLICATION_ID });
    const g = await guildOn(fake);
    const file = (p: string) => JSON.stringify(pathToFileURL(path.resolve(import.meta.dirname, '../..', p)).href);
    // Only the bot connection and its database, wired as the Discord adapter does, so that whatever is left
    // running after stop is the client's; stopped when stdin ends, it must then drain out on its own.
    const script = `
      import { createChannelCache, startGateway } from ${file('bots/discord/gateway.ts')};
      import { createDb } from ${file('src/db/database.ts')};
      import { createLogger } from ${file('src/log.ts')};
      const db = createDb(process.env.DATABASE_URL, 2);
      const deps = { db, config: { PUBLIC_BASE_URL: process.env.PUBLIC_BASE_URL }, resolveShort: () => Promise.reject(new Error('not here')), channelCache: createChannelCache() };
      const gateway = startGateway({ token: process.env.DISCORD_BOT_TOKEN, apiUrl: process.env.DISCORD_API_URL, log: createLogger('warn'), deps });
      process.stdin.on('end', async () => {
        await gateway.stop();
        await db.destroy();
        setTimeout(() => console.error('still running; active resources:', process.getActiveResourcesInfo().join(', ')), 3000).unref();
      });
      process.stdin.resume();
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, ...gatewayEnv(fake), DATABASE_URL: inject('databaseUrl') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const session = await fake.readySession(15_000);
      const id = influencerPosts(fake, g, `https://www.amazon.com/dp/${randomAsin()}`);
      await fake.waitForReply(id);
      child.stdin.end();
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([exited, new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still running 5 s after stop'), 5000)))]);
      clearTimeout(timer);
      expect(code, output).toBe(0);
      expect(await fake.until(() => session.closed, 'the gateway connection closing')).toEqual({ code: 1000, byServer: false });
      expect(fake.sessions).toHaveLength(1);
    } finally {
      child.kill('SIGKILL');
      await fake.close();
    }
  });
});
