// The outbound sender (used by notifications and digests) against the fake Discord API: DM channels created
// once per user, messages with attachments, 429s waited out (retry_after) and delivered once, and destinations
// that are gone reported as DestinationGoneError.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as C from '../../src/cards/card.ts';
import { createDiscordSender, DestinationGoneError } from '../../bots/discord/sender.ts';
import { FakeDiscord } from '../support/fakeDiscord.ts';
import { snowflake, visibleText, type DiscordMessageLike } from './helpers.ts';

let fake: FakeDiscord;
beforeAll(async () => {
  fake = await FakeDiscord.start();
});
afterAll(async () => {
  await fake?.close();
});

const TOKEN = 'sender-bot-token';
const reply = C.card({ visibility: 'ephemeral', tone: 'success' }, [
  C.header('New commission'),
  C.text('@maya earned $4.20 on *Desk lamp* <@123456789012345678>'),
  C.links([{ label: 'Open storefront', url: 'https://go.test/s/maya' }]),
]);

const messagesTo = (channelId: string) => fake.callsTo('POST', new RegExp(`^/channels/${channelId}/messages$`));

describe('when the bot sends a message outside an interaction', () => {
  it('then a DM creates the DM channel once per user and posts the rendered reply there, with the bot token and no pings', async () => {
    const sender = createDiscordSender({ token: TOKEN, apiUrl: fake.apiUrl });
    const user = snowflake();
    const first = await sender.sendToUser(user, reply);
    const second = await sender.sendToUser(user, reply);
    expect(first.messageId).toMatch(/^\d+$/);
    expect(second.messageId).not.toBe(first.messageId);
    const opened = fake.callsTo('POST', /^\/users\/@me\/channels$/).filter((c) => (c.body as { recipient_id: string }).recipient_id === user);
    expect(opened).toHaveLength(1);
    expect(opened[0]!.auth).toBe(`Bot ${TOKEN}`);
    const posts = messagesTo(`9${user}`);
    expect(posts).toHaveLength(2);
    const body = posts[0]!.body as DiscordMessageLike & Record<string, unknown>;
    expect(body.allowed_mentions).toEqual({ parse: [] });
    // Ephemeral means nothing outside an interaction: no flags go out.
    expect(body).not.toHaveProperty('flags');
    expect(visibleText(body)).toContain('@maya earned $4.20 on *Desk lamp* <@123456789012345678>');
    expect(body.components).toEqual([{ type: 1, components: [{ type: 2, style: 5, label: 'Open storefront', url: 'https://go.test/s/maya' }] }]);
  });

  it('then a channel post carries file attachments as multipart with their names, types and bytes', async () => {
    const sender = createDiscordSender({ token: TOKEN, apiUrl: fake.apiUrl });
    const channel = snowflake();
    const csv = Buffer.from('handle,confirmed\nmaya,4.20\n');
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    await sender.sendToChannel(
      channel,
      { ...reply, visibility: 'channel' },
      {
        files: [
          { name: 'digest.csv', data: csv, contentType: 'text/csv' },
          { name: 'chart.png', data: png, contentType: 'image/png' },
        ],
      },
    );
    const [call] = messagesTo(channel);
    expect(call!.files.map((f) => [f.name, f.contentType, f.data.toString('hex')])).toEqual([
      ['digest.csv', 'text/csv', csv.toString('hex')],
      ['chart.png', 'image/png', png.toString('hex')],
    ]);
    expect((call!.body as { attachments: unknown }).attachments).toEqual([
      { id: 0, filename: 'digest.csv' },
      { id: 1, filename: 'chart.png' },
    ]);
    expect(visibleText(call!.body as DiscordMessageLike)).toContain('New commission');
  });

  it('then a 429 is waited out for retry_after and the message is delivered once', async () => {
    const sender = createDiscordSender({ token: TOKEN, apiUrl: fake.apiUrl });
    const channel = snowflake();
    fake.rateLimit(new RegExp(`^/channels/${channel}/messages$`), 1);
    const t0 = Date.now();
    await sender.sendToChannel(channel, reply);
    const elapsed = Date.now() - t0;
    const calls = messagesTo(channel);
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(5000);
  });

  it('then a global 429 holds the sender back for retry_after, then delivers once', async () => {
    const sender = createDiscordSender({ token: TOKEN, apiUrl: fake.apiUrl });
    const channel = snowflake();
    fake.rateLimit(new RegExp(`^/channels/${channel}/messages$`), 1, { global: true });
    await sender.sendToChannel(channel, reply);
    const calls = messagesTo(channel);
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(1000);
  });

  it('then a server error is retried, while missing access, unknown channels and closed DMs are DestinationGoneError with a reason', async () => {
    const sender = createDiscordSender({ token: TOKEN, apiUrl: fake.apiUrl });
    const flaky = snowflake();
    fake.fail({ path: new RegExp(`^/channels/${flaky}/messages$`), status: 502, body: { message: 'Bad Gateway' } });
    await sender.sendToChannel(flaky, reply);
    expect(messagesTo(flaky).map((c) => c.status)).toEqual([502, 200]);

    const cases: Array<[number, number, RegExp]> = [
      [403, 50001, /no access to the Discord channel/],
      [404, 10003, /channel no longer exists/],
      [403, 50013, /lacks permission/],
      [403, 0, /Discord refused access/],
      [404, 0, /does not know this destination/],
    ];
    for (const [status, code, reason] of cases) {
      const channel = snowflake();
      fake.fail({ path: new RegExp(`^/channels/${channel}/messages$`), status, body: { message: 'nope', code } });
      const err = await sender.sendToChannel(channel, reply).catch((e: unknown) => e);
      expect(err, `${status} ${code}`).toBeInstanceOf(DestinationGoneError);
      expect((err as DestinationGoneError).name).toBe('DestinationGoneError');
      expect((err as DestinationGoneError).reason).toMatch(reason);
    }
  });

  it('then a user whose DMs are closed is DestinationGoneError, and a DM channel that went away is opened afresh next time', async () => {
    const sender = createDiscordSender({ token: TOKEN, apiUrl: fake.apiUrl });
    const closed = snowflake();
    fake.fail({ path: new RegExp(`^/channels/9${closed}/messages$`), status: 403, body: { message: 'Cannot send messages to this user', code: 50007 } });
    const err = await sender.sendToUser(closed, reply).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DestinationGoneError);
    expect((err as DestinationGoneError).reason).toMatch(/will not deliver direct messages/);
    // Next time the DM channel is asked for again (it may work once the user opens DMs).
    await sender.sendToUser(closed, reply);
    expect(fake.callsTo('POST', /^\/users\/@me\/channels$/).filter((c) => (c.body as { recipient_id: string }).recipient_id === closed)).toHaveLength(2);
    expect(messagesTo(`9${closed}`).map((c) => c.status)).toEqual([403, 200]);
  });
});
