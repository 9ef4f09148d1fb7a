// An operator (or an agency's script) sets what an influencer would set with /storefront edit and /storefront
// profile: the page shows it, an empty value clears it, and bad input changes nothing.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { getCatalogueStorefront } from '../../src/domain/catalogue/resolve.ts';
import { addToStorefront } from '../../src/domain/storefront/storefronts.ts';
import { runCliCaptured } from '../support/cli.ts';
import { testDb } from '../support/env.ts';
import { randomAsin, seedInfluencer } from '../support/fixtures.ts';

const db = testDb();
afterAll(() => db.destroy());

const cli = (...args: string[]) => runCliCaptured(args, { DATABASE_URL: inject('databaseUrl'), PUBLIC_BASE_URL: 'https://go.example.com' });
const shown = async (influencerId: number, asin: string) =>
  (await getCatalogueStorefront(db, influencerId))!.lists.flatMap((l) => l.items).find((i) => i.asin === asin)!;

describe('when an operator edits a product of an influencer’s storefront from the CLI', () => {
  it('then the storefront shows the title, picture, price and note, and an empty value clears one', async () => {
    const { influencer, handle } = await seedInfluencer(db);
    const asin = randomAsin();
    await addToStorefront(db, { influencerId: influencer.id, ref: { asin, marketplace: 'US' } });

    const r = await cli(
      'storefront',
      'edit',
      '--handle',
      handle,
      '--product',
      `https://www.amazon.com/dp/${asin}`,
      '--title',
      'My everyday pan',
      '--image',
      'https://cdn.example.com/pan.jpg',
      '--price',
      '34.99',
      '--note',
      'Ten years old and better every year.',
    );
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain(`${asin} on @${handle}: title set, imageUrl set, price set, note set.`);
    const item = await shown(influencer.id, asin);
    expect(item.title).toMatchObject({ value: 'My everyday pan' });
    expect(item.imageUrl).toMatchObject({ value: 'https://cdn.example.com/pan.jpg' });
    expect(item.price).toMatchObject({ minor: 3499, currency: 'USD' });
    expect(item.note).toBe('Ten years old and better every year.');

    const cleared = await cli('storefront', 'edit', '--handle', handle, '--product', asin, '--note', '', '--json');
    expect(cleared.code).toBe(0);
    expect(JSON.parse(cleared.out)).toMatchObject({ asin, set: [{ field: 'note', cleared: true }] });
    expect((await shown(influencer.id, asin)).note ?? null).toBeNull();
    expect((await shown(influencer.id, asin)).title).toMatchObject({ value: 'My everyday pan' });
  });

  it('then an http picture, a product not in the storefront or nothing to set fails with one clear line and changes nothing', async () => {
    const { influencer, handle } = await seedInfluencer(db);
    const asin = randomAsin();
    await addToStorefront(db, { influencerId: influencer.id, ref: { asin, marketplace: 'US' }, details: { title: 'Kept title' } });
    const before = await shown(influencer.id, asin);

    const http = await cli('storefront', 'edit', '--handle', handle, '--product', asin, '--image', 'http://cdn.example.com/x.jpg', '--title', 'New');
    expect(http.code).toBe(1);
    expect(http.err).toMatch(/https:\/\//);
    const missing = randomAsin();
    const unknown = await cli('storefront', 'edit', '--handle', handle, '--product', missing, '--title', 'New');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain(`${missing} is not in @${handle}'s storefront.`);
    const nothing = await cli('storefront', 'edit', '--handle', handle, '--product', asin);
    expect(nothing.code).toBe(1);
    expect(nothing.err).toContain('Say what to set');
    const noOne = await cli('storefront', 'edit', '--handle', 'nobody-has-this-handle', '--product', asin, '--title', 'x');
    expect(noOne.code).toBe(1);
    expect(await shown(influencer.id, asin)).toEqual(before);
  });
});

describe('when an operator sets an influencer’s profile from the CLI', () => {
  it('then the storefront shows the bio and avatar, an empty value clears one, and a non-https avatar is refused', async () => {
    const { influencer, handle } = await seedInfluencer(db);
    const set = await cli('storefront', 'profile', '--handle', handle, '--bio', 'Home cook, slow traveller.', '--avatar', 'https://cdn.example.com/me.png');
    expect(set).toMatchObject({ code: 0, err: '' });
    expect(set.out).toContain('bio:    Home cook, slow traveller.');
    expect((await getCatalogueStorefront(db, influencer.id))!.profile).toMatchObject({
      bio: 'Home cook, slow traveller.',
      avatarUrl: 'https://cdn.example.com/me.png',
    });

    const refused = await cli('storefront', 'profile', '--handle', handle, '--avatar', 'javascript:alert(1)');
    expect(refused.code).toBe(1);
    expect((await getCatalogueStorefront(db, influencer.id))!.profile.avatarUrl).toBe('https://cdn.example.com/me.png');

    const cleared = await cli('storefront', 'profile', '--handle', handle, '--avatar', '', '--json');
    expect(JSON.parse(cleared.out)).toMatchObject({ bio: 'Home cook, slow traveller.', avatarUrl: null });
  });
});
