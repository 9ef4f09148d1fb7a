// Chat shows the product: /link, /storefront add and the App Home name it by its catalogue title with its picture,
// and the short link is plain message text a long press copies, through the real Slack and Discord endpoints.
import { describe, expect, it } from 'vitest';
import { unique } from '../support/env.ts';
import { organisationOf, randomAsin } from '../support/fixtures.ts';
import { useBothPlatforms } from '../support/bothPlatforms.ts';
import { waitFor } from '../support/wait.ts';
import { newGuild } from '../discord/helpers.ts';
import { newTeam, sendEvent, visibleText, type Who } from '../slack/helpers.ts';

const { app, onSlack, onDiscord } = useBothPlatforms('xoxb-chat-products');
const SHORT_LINK = /^http:\/\/links\.test\/l\/[0-9A-Za-z]{8}$/;

interface Block {
  type: string;
  text?: { text: string };
  accessory?: { type: string; image_url: string; alt_text: string };
}

/** A product the catalogue has details of (as the Creators API gave them, fetched just now). */
async function catalogued(title: string, imageUrl: string | null) {
  const asin = randomAsin();
  const db = app.rt.db;
  const { id } = await db
    .insertInto('products')
    .values({ asin, marketplace: 'US', title: null, image_url: null, category: null, price_minor: null, currency: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('catalogue_entries')
    .values({ product_id: id, state: 'ok', title, image_url: imageUrl, fetched_at: new Date(), features: null })
    .execute();
  return asin;
}

async function slackInfluencer(who: Who = newTeam().member()) {
  const handle = unique('cp');
  expect((await onSlack(who, 'storefront', `setup ${handle} ${handle}-20`)).visible).toContain('Storefront created');
  return { who, handle };
}

describe('when an influencer asks for a link to a product the catalogue knows', () => {
  it('then on Slack the short link is a section of its own, outside any attachment, and the card shows the title and thumbnail', async () => {
    const { who } = await slackInfluencer();
    const asin = await catalogued('Forerunner 255', 'https://images.test/fr255.jpg');
    const { reply } = await onSlack(who, 'link', asin);
    const blocks = reply.body.blocks as Block[];
    expect(reply.body).not.toHaveProperty('attachments');
    expect(blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: expect.stringMatching(SHORT_LINK) } });
    expect(blocks[1]).toMatchObject({ type: 'header', text: { text: 'Forerunner 255' } });
    expect(blocks.filter((b) => b.accessory)).toEqual([
      expect.objectContaining({ accessory: { type: 'image', image_url: 'https://images.test/fr255.jpg', alt_text: 'Forerunner 255' } }),
    ]);
  });

  it('then on Discord the short link is the message content and the embed has the title and thumbnail', async () => {
    const person = newGuild().member();
    const handle = unique('cd');
    expect((await onDiscord(person, 'storefront', 'setup', { handle, 'tracking-id': `${handle}-20` })).visible).toContain('Storefront created');
    const asin = await catalogued('Forerunner 255', 'https://images.test/fr255.jpg');
    const r = await onDiscord(person, 'link', undefined, { product: asin });
    expect(r.message.content).toMatch(SHORT_LINK);
    const embed = r.message.embeds![0] as { title?: string; thumbnail?: { url: string }; description?: string };
    expect(embed.title).toBe('Forerunner 255');
    expect(embed.thumbnail).toEqual({ url: 'https://images.test/fr255.jpg' });
    expect(embed.description).not.toMatch(/links\.test/);
  });

  it('then a catalogue picture that is not https is never shown, on either platform', async () => {
    const { who } = await slackInfluencer();
    const asin = await catalogued('Plain http lamp', 'http://images.test/lamp.jpg');
    const slack = await onSlack(who, 'link', asin);
    expect(JSON.stringify(slack.reply.body)).not.toContain('images.test');
    expect(slack.visible).toContain('Plain http lamp');
    const person = newGuild().member();
    const handle = unique('ch');
    await onDiscord(person, 'storefront', 'setup', { handle, 'tracking-id': `${handle}-20` });
    const discord = await onDiscord(person, 'link', undefined, { product: asin });
    expect(JSON.stringify(discord.message)).not.toContain('images.test');
    expect(discord.message.embeds![0]).not.toHaveProperty('thumbnail');
  });

  it('then a product without a picture gets no image at all', async () => {
    const { who } = await slackInfluencer();
    const asin = await catalogued('Pictureless pan', null);
    const { reply } = await onSlack(who, 'link', asin);
    expect((reply.body.blocks as Block[]).some((b) => b.accessory || b.type === 'image')).toBe(false);
  });
});

describe('when an influencer adds a catalogued product to their storefront', () => {
  it('then the answer names it by title with its thumbnail', async () => {
    const { who } = await slackInfluencer();
    const asin = await catalogued('Trail running vest', 'https://images.test/vest.jpg');
    const { reply, visible } = await onSlack(who, 'storefront', `add ${asin} Running`);
    expect(visible).toContain('Added Trail running vest to “Running”.');
    expect((reply.body.blocks as Block[]).find((b) => b.accessory)?.accessory).toEqual({
      type: 'image',
      image_url: 'https://images.test/vest.jpg',
      alt_text: 'Trail running vest',
    });
  });
});

describe('when an influencer with earnings and clicks looks at them', () => {
  it('then the App Home, /earnings and its links name products by catalogue title, and the App Home shows the top product’s picture', async () => {
    const { who, handle } = await slackInfluencer();
    const asin = await catalogued('Forerunner 255', 'https://images.test/fr255.jpg');
    const code = SHORT_LINK.exec((await onSlack(who, 'link', `${asin} insta`)).visible.split('\n')[0]!)![0]
      .split('/')
      .pop()!;
    const db = app.rt.db;
    const { id: influencerId } = await db.selectFrom('influencers').select('id').where('handle', '=', handle).executeTakeFirstOrThrow();
    const link = await db.selectFrom('links').select('id').where('code', '=', code).executeTakeFirstOrThrow();
    await db
      .insertInto('ledger_entries')
      .values({
        network: 'amazon',
        line_key: unique('k'),
        kind: 'confirmed',
        tracking_id: `${handle}-20`,
        influencer_id: influencerId,
        organisation_id: organisationOf(influencerId),
        marketplace: 'US',
        asin,
        product_name: `Report name ${asin}`,
        category: 'Watches',
        occurred_at: new Date(Date.now() - 86_400_000),
        quantity: 1,
        amount_minor: 4120,
        currency: 'USD',
        ingest_id: null,
        link_id: Number(link.id),
        reverses_entry_id: null,
      })
      .execute();
    // A follower clicks the link (a browser, not a preview bot).
    const res = await fetch(`${app.rt.url}/l/${code}`, {
      redirect: 'manual',
      headers: { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1' },
    });
    expect(res.status).toBe(302);

    const earnings = await waitFor(
      async () => (await onSlack(who, 'earnings', '7d')).visible,
      (t) => t.includes('Most-clicked links'),
      10_000,
    );
    const linesOf = (title: string) => earnings.split('\n*').find((s) => s.startsWith(title)) ?? '';
    expect(linesOf('Top products')).toContain('Forerunner 255');
    expect(linesOf('Commission by link')).toContain('Forerunner 255 · insta');
    expect(linesOf('Most-clicked links')).toContain('Forerunner 255');
    expect(earnings).not.toContain(`Report name ${asin}`);

    await sendEvent(app.rt.url, who.team, { type: 'app_home_opened', user: who.user, channel: 'D0HOME', tab: 'home', event_ts: `${Date.now() / 1000}` });
    const call = await app.slack.waitForCall('views.publish', (c) => c.body.user_id === who.user);
    const blocks = (call.body.view as { blocks: Block[] }).blocks;
    const top = blocks.find((b) => b.text?.text.startsWith('*Top products*'));
    expect(top?.text?.text).toContain('Forerunner 255');
    expect(top?.accessory).toEqual({ type: 'image', image_url: 'https://images.test/fr255.jpg', alt_text: 'Forerunner 255' });
    expect(visibleText(blocks)).not.toContain(asin);
  });
});
