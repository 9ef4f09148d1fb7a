// Autocomplete (type 4 → 8): the caller's own list names and products, filtered by what was typed, never more
// than 25, never anyone else's.
import { afterAll, describe, expect, it } from 'vitest';
import { addToStorefront } from '../../src/domain/storefront/storefronts.ts';
import { testDb, unique } from '../support/env.ts';
import { randomAsin } from '../support/fixtures.ts';
import { upsertProduct } from '../../src/domain/links/products.ts';
import { autocompleteInteraction, inDm, newGuild, postInteraction, slash, useDiscordApp, type Who } from './helpers.ts';

const db = testDb();
afterAll(() => db.destroy());
const app = useDiscordApp();

async function choices(who: Who, command: string, sub: string | undefined, values: Record<string, string>, focused: string) {
  const answer = await postInteraction(app.rt.url, JSON.stringify(autocompleteInteraction(who, command, sub, values, focused)));
  expect(answer.status).toBe(200);
  expect(answer.json!.type).toBe(8);
  return (answer.json!.data as { choices: Array<{ name: string; value: string }> }).choices;
}

describe('when someone types an option Discord autocompletes', () => {
  it('then list names and own products come back filtered, at most 25, and nobody else gets them', async () => {
    const guild = newGuild();
    const who = guild.member();
    const handle = unique('ac');
    await slash(app.rt.url, app.fake, who, 'storefront', 'setup', { handle, 'tracking-id': `${handle}-20` });
    const influencer = await db.selectFrom('influencers').select('id').where('handle', '=', handle).executeTakeFirstOrThrow();
    const asins: string[] = [];
    for (let i = 0; i < 30; i++) {
      const asin = randomAsin();
      asins.push(asin);
      await upsertProduct(
        db,
        { asin, marketplace: 'US' },
        {
          title:
            i === 7 ? 'Walnut desk lamp with a title far longer than Discord lets a choice name be, so it has to be cut somewhere sensible' : `Gadget ${i}`,
        },
      );
      await addToStorefront(db, {
        influencerId: influencer.id,
        ref: { asin, marketplace: 'US' },
        listName: i < 3 ? `Desk setup ${i}` : `List ${String(i).padStart(2, '0')}`,
      });
    }

    const allLists = await choices(who, 'storefront', 'add', { product: 'B0', list: '' }, 'list');
    expect(allLists).toHaveLength(25);
    expect(allLists[0]).toEqual({ name: 'Desk setup 0', value: 'Desk setup 0' });
    expect(await choices(who, 'storefront', 'add', { product: 'B0', list: 'desk' }, 'list')).toEqual(
      [0, 1, 2].map((i) => ({ name: `Desk setup ${i}`, value: `Desk setup ${i}` })),
    );
    // % and _ are what they are, not wildcards.
    expect(await choices(who, 'storefront', 'add', { product: 'B0', list: '%' }, 'list')).toEqual([]);

    const products = await choices(who, 'link', undefined, { product: '' }, 'product');
    expect(products).toHaveLength(25);
    for (const c of products) {
      expect(asins).toContain(c.value);
      expect(c.name.length).toBeLessThanOrEqual(100);
    }
    const lamp = await choices(who, 'storefront', 'remove', { asin: 'walnut' }, 'asin');
    expect(lamp).toHaveLength(1);
    expect(lamp[0]!.value).toBe(asins[7]);
    expect(lamp[0]!.name.startsWith(`${asins[7]} · Walnut desk lamp`)).toBe(true);
    expect(lamp[0]!.name.endsWith('…')).toBe(true);
    expect(await choices(who, 'link', undefined, { product: asins[12]!.toLowerCase() }, 'product')).toEqual([
      { name: `${asins[12]} · Gadget 12`, value: asins[12] },
    ]);
    // In a DM, the same person's own storefront.
    expect(await choices(inDm(who), 'link', undefined, { product: asins[12]! }, 'product')).toHaveLength(1);

    // Options without suggestions, another member of the guild, and the same user id in another guild get nothing.
    expect(await choices(who, 'link', undefined, { product: 'x', campaign: 'ti' }, 'campaign')).toEqual([]);
    expect(await choices(guild.member(), 'link', undefined, { product: '' }, 'product')).toEqual([]);
    expect(await choices(guild.member(), 'storefront', 'add', { product: '', list: '' }, 'list')).toEqual([]);
    const elsewhere = newGuild().member({ userId: who.userId });
    expect(await choices(elsewhere, 'link', undefined, { product: '' }, 'product')).toEqual([]);
  });
});
