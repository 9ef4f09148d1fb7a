// Gateway mode's message handler, called directly (the discord.js Client around it is driven against a local
// gateway in gatewayClient.test.ts): in a channel a manager opted in, an Amazon product link posted by a
// registered influencer gets their tagged short link; everything else is ignored.
import { afterAll, describe, expect, it } from 'vitest';
import { amazonLinksIn, autolinkReply, createChannelCache, MAX_LINKS_PER_MESSAGE } from '../../bots/discord/gateway.ts';
import { renderReply } from '../../bots/discord/render.ts';
import { setAutolinkChannel } from '../../src/domain/workspaces/autolinkChannels.ts';
import { run } from '../support/commands.ts';
import { testDb } from '../support/env.ts';
import { randomAsin } from '../support/fixtures.ts';
import { guildWithInfluencer as setUpGuild, snowflake } from './helpers.ts';
import { view } from '../support/cardView.ts';

const db = testDb();
afterAll(() => db.destroy());

const config = { PUBLIC_BASE_URL: 'https://go.test' };
const noShortLinks = () => Promise.reject(new Error('no short links in this test'));
const guildWithInfluencer = () => setUpGuild(db);

describe('when a message is posted in a guild with gateway mode', () => {
  it('then an influencer’s Amazon link in an opted-in channel is answered with their tagged short link', async () => {
    const g = await guildWithInfluencer();
    const asin = randomAsin();
    const reply = await autolinkReply(
      { db, config, resolveShort: noShortLinks },
      g.message(`look at this https://www.amazon.com/Some-Thing/dp/${asin}/ref=sr_1?tag=someone-20 (so good)`),
    );
    expect(view(reply!)).toMatchObject({ visibility: 'channel', title: `@${g.handle}'s link` });
    const line = view(reply!).sections![0]!.lines[0]!;
    expect(line.url).toMatch(/^https:\/\/go\.test\/l\/[0-9A-Za-z]{8}$/);
    expect(line.detail).toBe(asin);
    const link = await db.selectFrom('links').select(['destination_url', 'code']).where('code', '=', line.url!.split('/').pop()!).executeTakeFirstOrThrow();
    expect(link.destination_url).toBe(`https://www.amazon.com/dp/${asin}?tag=${g.handle}-20`);
    // The same link /link hands out for that product.
    const viaCommand = await run(db, g.influencer, 'link', asin);
    expect(viaCommand.copy).toBe(line.url);
    // What goes to Discord is a public reply that pings nobody.
    const rendered = renderReply(reply!);
    expect(rendered.flags).toBe(0);
    expect(rendered.allowed_mentions).toEqual({ parse: [] });
  });

  it('then several links (and short links) are answered together, each once, at most five', async () => {
    const g = await guildWithInfluencer();
    const asins = Array.from({ length: 7 }, () => randomAsin());
    const shortAsin = randomAsin();
    const resolveShort = async (url: URL) => {
      expect(url.hostname).toBe('amzn.to');
      return { asin: shortAsin, marketplace: 'US' };
    };
    const content = [
      `https://amzn.to/3xYz`,
      `https://www.amazon.com/dp/${asins[0]}`,
      `https://www.amazon.com/dp/${asins[0]}?th=1`,
      ...asins.slice(1).map((a) => `https://amazon.com/gp/product/${a}`),
    ].join(' and ');
    expect(amazonLinksIn(content)).toHaveLength(MAX_LINKS_PER_MESSAGE);
    const reply = await autolinkReply({ db, config, resolveShort }, g.message(content));
    const details = view(reply!).sections![0]!.lines.map((l) => l.detail);
    expect(details).toEqual([shortAsin, asins[0], asins[1], asins[2], asins[3]]);
    expect(view(reply!).title).toBe(`@${g.handle}'s links`);
  });

  it('then it stays quiet for other channels, other people, bots, DMs, messages without Amazon links and stores without a tracking ID', async () => {
    const g = await guildWithInfluencer();
    const deps = { db, config, resolveShort: noShortLinks };
    const asin = randomAsin();
    const url = `https://www.amazon.com/dp/${asin}`;
    expect(await autolinkReply(deps, g.message(url, { channelId: snowflake() }))).toBeUndefined();
    expect(await autolinkReply(deps, g.message(url, { authorId: snowflake() }))).toBeUndefined();
    expect(await autolinkReply(deps, g.message(url, { authorIsBot: true }))).toBeUndefined();
    expect(await autolinkReply(deps, g.message(url, { guildId: null }))).toBeUndefined();
    expect(await autolinkReply(deps, g.message('https://example.com/dp/B000000000 and https://amazon.com.evil.test/dp/B000000000'))).toBeUndefined();
    // amazon.de: this influencer only has a US tracking ID.
    expect(await autolinkReply(deps, g.message(`https://www.amazon.de/dp/${asin}`))).toBeUndefined();
    // The influencer of another guild, posting here, is not registered here.
    const other = await guildWithInfluencer();
    expect(await autolinkReply(deps, g.message(url, { authorId: other.influencer.userId }))).toBeUndefined();
    expect(
      await db.selectFrom('links').innerJoin('products', 'products.id', 'links.product_id').select('links.id').where('products.asin', '=', asin).execute(),
    ).toEqual([]);
  });

  it('then turning a channel off takes effect (after the short channel cache)', async () => {
    const g = await guildWithInfluencer();
    let now = 1_000_000;
    const channelCache = createChannelCache(50, { now: () => now });
    const deps = { db, config, resolveShort: noShortLinks, channelCache };
    expect(await autolinkReply(deps, g.message(`https://www.amazon.com/dp/${randomAsin()}`))).toBeDefined();
    await setAutolinkChannel(db, { organisationId: g.organisationId, guildId: g.guildId, channelId: g.channelId, on: false });
    // Still cached: the old setting holds until the cache entry expires.
    expect(await autolinkReply(deps, g.message(`https://www.amazon.com/dp/${randomAsin()}`))).toBeDefined();
    now += 51;
    expect(await autolinkReply(deps, g.message(`https://www.amazon.com/dp/${randomAsin()}`))).toBeUndefined();
  });
});
