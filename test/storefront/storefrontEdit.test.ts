// /storefront edit and /storefront profile: an influencer's own words and pictures on their storefront, from chat,
// through the platform-neutral core (the same on Slack and Discord) and both renderers.
import { afterAll, describe, expect, it } from 'vitest';
import { renderCard as renderDiscord } from '../../bots/discord/render.ts';
import { renderCard as renderSlack } from '../../bots/slack/render.ts';
import { getCatalogueStorefront } from '../../src/domain/catalogue/resolve.ts';
import { findLinkPreview } from '../../src/domain/links/linkPreview.ts';
import { upsertProduct } from '../../src/domain/links/products.ts';
import { randomAsin } from '../support/fixtures.ts';
import { testDb, unique } from '../support/env.ts';
import { newWorkspace, replyText, run, type Person } from '../support/commands.ts';

const db = testDb();
afterAll(() => db.destroy());

async function influencerWithProduct(platform: 'slack' | 'discord' = 'slack') {
  const me = newWorkspace(platform).person();
  const handle = unique('ed');
  expect((await run(db, me, 'storefront', `setup ${handle} ${handle}-20`)).tone).toBe('success');
  const asin = randomAsin();
  expect((await run(db, me, 'storefront', `add ${asin}`)).tone).toBe('success');
  const influencerId = (await db.selectFrom('influencers').select('id').where('handle', '=', handle).executeTakeFirstOrThrow()).id;
  return { me, handle, asin, influencerId };
}
const shown = async (influencerId: number, asin: string) =>
  (await getCatalogueStorefront(db, influencerId))!.lists.flatMap((l) => l.items).find((i) => i.asin === asin)!;

describe('when an influencer edits a product of their storefront from chat', () => {
  it('then their title, image and note show on the storefront, and leaving the text out clears one', async () => {
    const { me, asin, influencerId } = await influencerWithProduct();
    const titled = await run(db, me, 'storefront', `edit ${asin.toLowerCase()} title My favourite kettle`);
    expect(titled).toMatchObject({ tone: 'success', text: `Your title for ${asin} is set.` });
    expect(replyText(titled)).toContain(`Product: My favourite kettle (${asin})`);
    expect((await run(db, me, 'storefront', `edit ${asin} image https://images.example.com/kettle.jpg`)).tone).toBe('success');
    expect((await run(db, me, 'storefront', `edit ${asin} note Boils in two minutes, whisper quiet.`)).tone).toBe('success');
    expect(await shown(influencerId, asin)).toMatchObject({
      title: { value: 'My favourite kettle', source: 'influencer' },
      imageUrl: { value: 'https://images.example.com/kettle.jpg', source: 'influencer' },
      note: 'Boils in two minutes, whisper quiet.',
    });
    expect(await run(db, me, 'storefront', `edit ${asin} note`)).toMatchObject({
      tone: 'success',
      text: expect.stringContaining(`Your note for ${asin} is cleared`),
    });
    expect((await shown(influencerId, asin)).note).toBeUndefined();
  });

  it("then their own chat cards name and picture it their way too, and a colleague's cards keep the catalogue's", async () => {
    const ws = newWorkspace();
    const me = ws.person();
    const handle = unique('ed');
    expect((await run(db, me, 'storefront', `setup ${handle} ${handle}-20`)).tone).toBe('success');
    const asin = randomAsin();
    await upsertProduct(
      db,
      { asin, marketplace: 'US' },
      { title: 'Kettle KX-200', imageUrl: 'https://images.example.com/catalogue.jpg', priceMinor: 2999, currency: 'USD' },
    );
    expect((await run(db, me, 'storefront', `add ${asin}`)).tone).toBe('success');
    expect((await run(db, me, 'storefront', `edit ${asin} title My favourite kettle`)).tone).toBe('success');
    expect((await run(db, me, 'storefront', `edit ${asin} image https://images.example.com/mine.jpg`)).tone).toBe('success');

    const link = await run(db, me, 'link', asin);
    expect(link.title).toBe('My favourite kettle');
    expect(link.card.elements).toContainEqual(expect.objectContaining({ type: 'image', url: 'https://images.example.com/mine.jpg' }));
    const show = replyText(await run(db, me, 'storefront', 'show'));
    expect(show).toContain('My favourite kettle');
    expect(show).toMatch(/\$29\.99 as of \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC/);
    const code = /\/l\/([0-9A-Za-z]{8})/.exec(JSON.stringify(link.card))![1]!;
    expect(await findLinkPreview(db, code)).toMatchObject({
      title: 'My favourite kettle',
      imageUrl: 'https://images.example.com/mine.jpg',
      price: { minor: 2999, currency: 'USD' },
    });

    // Their /earnings lists the product by their title too.
    const mine = await db.selectFrom('influencers').select(['id', 'organisation_id']).where('handle', '=', handle).executeTakeFirstOrThrow();
    await db
      .insertInto('ledger_entries')
      .values({
        network: 'amazon',
        line_key: unique('k'),
        kind: 'confirmed',
        tracking_id: `${handle}-20`,
        influencer_id: mine.id,
        organisation_id: mine.organisation_id,
        marketplace: 'US',
        asin,
        product_name: 'KX200 KETTLE 1.7L',
        category: 'Kitchen',
        occurred_at: new Date(Date.now() - 3_600_000),
        quantity: 1,
        amount_minor: 120,
        currency: 'USD',
        ingest_id: null,
        link_id: null,
        reverses_entry_id: null,
      })
      .execute();
    expect(replyText(await run(db, me, 'earnings', '7d'))).toContain('My favourite kettle');

    const colleague = ws.person();
    const theirs = unique('ed');
    expect((await run(db, colleague, 'storefront', `setup ${theirs} ${theirs}-20`)).tone).toBe('success');
    const theirLink = await run(db, colleague, 'link', asin);
    expect(theirLink.title).toBe('Kettle KX-200');
    expect(theirLink.card.elements).toContainEqual(expect.objectContaining({ type: 'image', url: 'https://images.example.com/catalogue.jpg' }));
  });

  it('then an image that is not an https link is refused with a message saying why, and nothing changes', async () => {
    const { me, asin, influencerId } = await influencerWithProduct();
    for (const bad of ['http://images.example.com/a.jpg', 'javascript:alert(1)', 'data:image/png;base64,AAAA', 'not a link']) {
      const r = await run(db, me, 'storefront', `edit ${asin} image ${bad}`);
      expect(r).toMatchObject({ tone: 'error', text: expect.stringContaining('The image must be an https:// link') });
    }
    expect((await shown(influencerId, asin)).imageUrl).toBeUndefined();
  });

  it('then markup and markdown in a title or note are shown as text in Slack and Discord, never as formatting', async () => {
    const { me, asin } = await influencerWithProduct();
    const hostile = '<script>alert(1)</script> *bold* _it_ <!channel> @everyone [x](https://evil.example)';
    const reply = await run(db, me, 'storefront', `edit ${asin} note ${hostile}`);
    expect(reply.tone).toBe('success');
    const slack = JSON.stringify(renderSlack(reply.card));
    expect(slack).not.toContain('<script>');
    expect(slack).not.toContain('<!channel>');
    expect(slack).toContain('&lt;script&gt;');
    expect(slack).not.toMatch(/[^\u200b]\*bold\*/);
    const discord = JSON.stringify(renderDiscord(reply.card));
    expect(discord).not.toContain('@everyone');
    expect(discord).toContain('\\\\*bold\\\\*');
    expect(discord).not.toContain('[x](https://evil.example)');
  });

  it("then someone else's storefront cannot be edited: their product is not in the caller's storefront", async () => {
    const owner = await influencerWithProduct();
    const other = await influencerWithProduct('discord');
    expect(await run(db, other.me, 'storefront', `edit ${owner.asin} title Hijacked`)).toMatchObject({
      tone: 'error',
      text: `${owner.asin} is not in your storefront.`,
    });
    const stranger: Person = newWorkspace().person();
    expect(await run(db, stranger, 'storefront', `edit ${owner.asin} title Hijacked`)).toMatchObject({
      tone: 'error',
      text: expect.stringContaining('You have no storefront yet'),
    });
    expect((await shown(owner.influencerId, owner.asin)).title).toBeUndefined();
  });

  it('then an ASIN that is not in the storefront, or not an ASIN at all, gets a clear error', async () => {
    const { me } = await influencerWithProduct();
    const unknown = randomAsin();
    expect(await run(db, me, 'storefront', `edit ${unknown} title Anything`)).toMatchObject({ tone: 'error', text: `${unknown} is not in your storefront.` });
    expect((await run(db, me, 'storefront', 'edit hello title Anything')).tone).toBe('error');
    expect(await run(db, me, 'storefront', `edit ${unknown} colour red`)).toMatchObject({ tone: 'error', text: expect.stringContaining('title, image, note') });
  });
});

describe('when an influencer sets their storefront profile from chat', () => {
  it('then the bio and an https avatar show, an http avatar is refused, and no text clears the bio', async () => {
    const { me, influencerId } = await influencerWithProduct('discord');
    expect(await run(db, me, 'storefront', 'profile bio Kitchen nerd. *Everything* here I use daily.')).toMatchObject({
      tone: 'success',
      text: 'Your bio is set.',
    });
    expect((await run(db, me, 'storefront', 'profile avatar https://images.example.com/me.jpg')).tone).toBe('success');
    expect(await run(db, me, 'storefront', 'profile avatar http://images.example.com/me.jpg')).toMatchObject({
      tone: 'error',
      text: expect.stringContaining('https://'),
    });
    expect((await getCatalogueStorefront(db, influencerId))!.profile).toMatchObject({
      bio: 'Kitchen nerd. *Everything* here I use daily.',
      avatarUrl: 'https://images.example.com/me.jpg',
    });
    expect((await run(db, me, 'storefront', 'profile bio')).text).toBe('Your bio is cleared.');
    expect((await getCatalogueStorefront(db, influencerId))!.profile.bio).toBeNull();
  });
});
