import { afterAll, describe, expect, it } from 'vitest';
import { randomAsin } from '../support/fixtures.ts';
import { testDb, unique } from '../support/env.ts';
import { newWorkspace, replyText, run } from '../support/commands.ts';

// A product no other test file touches: products are shared across storefronts, so titles could differ.
const ASIN = randomAsin();
const db = testDb();
afterAll(() => db.destroy());

async function setUp() {
  const ws = newWorkspace();
  const me = ws.person();
  const handle = unique('sf');
  const r = await run(db, me, 'storefront', `setup ${handle} ${handle}-20`);
  expect(r.tone).toBe('success');
  return { ws, me, handle };
}

describe('when an influencer uses /storefront', () => {
  it('then setup creates the storefront and answers with its URL', async () => {
    const ws = newWorkspace();
    const me = ws.person();
    const handle = unique('new');
    const r = await run(db, me, 'storefront', `setup @${handle.toUpperCase()} ${handle}-21 UK`);
    expect(r).toMatchObject({ visibility: 'ephemeral', tone: 'success', title: 'Storefront created' });
    expect(replyText(r)).toContain(`https://go.test/s/${handle}`);
    expect(replyText(r)).toContain(`${handle}-21 (amazon.co.uk)`);
  });

  it('then add, show and remove work on their own storefront, with lists', async () => {
    const { me, handle } = await setUp();
    const added = await run(db, me, 'storefront', `add https://www.amazon.com/dp/${ASIN} Desk setup`);
    expect(added.text).toBe(`Added Amazon product ${ASIN} to “Desk setup”.`);
    expect(replyText(added)).toMatch(/Short link: https:\/\/go\.test\/l\/[0-9A-Za-z]{8}/);
    expect((await run(db, me, 'storefront', `add ${ASIN} "desk setup"`)).text).toBe(`Amazon product ${ASIN} is already in “Desk setup”.`);
    await run(db, me, 'storefront', 'add 0735211299');
    const shown = await run(db, me, 'storefront', 'show');
    expect(shown.title).toBe(`@${handle}'s storefront`);
    expect(shown.sections?.map((s) => s.title)).toEqual(['Desk setup', 'Favorites']);
    expect(shown.sections?.[0]?.lines[0]).toMatchObject({ text: `Amazon product ${ASIN}`, url: expect.stringMatching(/^https:\/\/go\.test\/l\//) });
    expect((await run(db, me, 'storefront', `remove ${ASIN.toLowerCase()}`)).text).toBe(`Removed ${ASIN} from your storefront.`);
    expect((await run(db, me, 'storefront', 'show')).sections?.map((s) => s.title)).toEqual(['Favorites']);
    expect(await run(db, me, 'storefront', `remove ${ASIN}`)).toMatchObject({ tone: 'error', text: `${ASIN} is not in your storefront.` });
  });

  it('then notify stores the destination, and "here" needs a channel', async () => {
    const { me } = await setUp();
    expect((await run(db, me, 'storefront', 'notify here', { channelId: 'C42' })).text).toBe('Commission notifications will be posted in this channel.');
    const influencerId = (await db.selectFrom('platform_identities').select('influencer_id').where('user_id', '=', me.userId).executeTakeFirstOrThrow())
      .influencer_id!;
    expect(await db.selectFrom('notification_preferences').selectAll().where('influencer_id', '=', influencerId).executeTakeFirst()).toMatchObject({
      destination: 'channel',
      channel_id: 'C42',
      platform: 'slack',
    });
    expect((await run(db, me, 'storefront', 'NOTIFY off')).text).toBe('Commission notifications are off.');
    expect(await run(db, me, 'storefront', 'notify somewhere')).toMatchObject({
      tone: 'error',
      text: 'where must be one of: dm, here, off.',
      footer: 'Usage: /storefront notify <dm|here|off>',
    });
  });

  it('then usage mistakes get the usage line and change nothing', async () => {
    const ws = newWorkspace();
    const me = ws.person();
    expect(await run(db, me, 'storefront', 'setup')).toMatchObject({
      visibility: 'ephemeral',
      tone: 'error',
      footer: 'Usage: /storefront setup <handle> <tracking-id> [marketplace]',
    });
    expect(await run(db, me, 'storefront', 'setup onlyhandle')).toMatchObject({ tone: 'error', text: expect.stringMatching(/^Missing tracking-id/) });
    expect(await run(db, me, 'storefront', 'add')).toMatchObject({
      tone: 'error',
      text: 'Missing product: ASIN or Amazon product link.',
      footer: 'Usage: /storefront add <product> [list]',
    });
    expect(await run(db, me, 'storefront', `add ${ASIN}`)).toMatchObject({ tone: 'error', text: expect.stringContaining('You have no storefront yet') });
    expect(await run(db, me, 'storefront', 'frobnicate')).toMatchObject({ tone: 'info', text: 'Unknown subcommand "frobnicate".' });
    expect(replyText(await run(db, me, 'storefront', ''))).toContain('/storefront add <product> [list]');
    expect(replyText(await run(db, me, 'storefront', 'help'))).toContain('/storefront notify <dm|here|off>');
    expect(await run(db, me, 'storefront', 'x'.repeat(4001))).toMatchObject({ tone: 'error', text: expect.stringContaining('too long') });
    expect(await run(db, me, 'storefront', 'setup 😀🎉 emoji-20')).toMatchObject({ tone: 'error', text: expect.stringContaining('A handle is') });
    expect(await run(db, me, 'storefront', 'setup ünïcode unicode-20')).toMatchObject({ tone: 'error', text: expect.stringContaining('A handle is') });
    expect(await run(db, me, 'storefront', `setup ${unique('h')} not-a-tag`)).toMatchObject({
      tone: 'error',
      text: expect.stringContaining('is not a tracking ID'),
    });
    const identity = await db.selectFrom('platform_identities').select('influencer_id').where('user_id', '=', me.userId).executeTakeFirstOrThrow();
    expect(identity.influencer_id).toBeNull();
  });

  it('then a handle has one owner, and a tracking ID one owner in each organisation', async () => {
    const { ws, handle } = await setUp();
    const other = newWorkspace().person();
    expect(await run(db, other, 'storefront', `setup ${handle} ${unique('x')}-20`)).toMatchObject({
      tone: 'error',
      text: `The handle @${handle} is already taken.`,
    });
    // A teammate naming the held tracking ID only files a claim (a manager decides, see test/workspaces/slackClaims.test.ts): it stays held.
    expect(await run(db, ws.person(), 'storefront', `setup ${unique('y')} ${handle}-20`)).toMatchObject({
      tone: 'success',
      text: expect.stringContaining('is waiting for verification'),
    });
    const holders = await db
      .selectFrom('tracking_ids as t')
      .innerJoin('influencers as i', 'i.id', 't.influencer_id')
      .select('i.handle')
      .where('t.tracking_id', '=', `${handle}-20`)
      .where('t.verified', '=', true)
      .execute();
    expect(holders).toEqual([{ handle }]);
    const sameWs = await setUp();
    expect(await run(db, sameWs.me, 'storefront', `setup ${unique('z')} ${unique('z')}-20`)).toMatchObject({
      tone: 'error',
      text: expect.stringContaining(`You already have a storefront, @${sameWs.handle}`),
    });
  });

  it('then someone in another workspace who registers their public tracking ID sees none of its money, and does not block it', async () => {
    const { me, handle } = await setUp();
    const tag = `${handle}-20`;
    const owner = await db.selectFrom('influencers').select(['id', 'organisation_id']).where('handle', '=', handle).executeTakeFirstOrThrow();
    await db
      .insertInto('ledger_entries')
      .values({
        organisation_id: owner.organisation_id,
        network: 'amazon',
        line_key: unique('k'),
        kind: 'confirmed',
        tracking_id: tag,
        influencer_id: owner.id,
        marketplace: 'US',
        asin: ASIN,
        product_name: 'Owner pan',
        category: 'Home',
        occurred_at: new Date(Date.now() - 3_600_000),
        quantity: 1,
        amount_minor: 54321,
        currency: 'USD',
        ingest_id: null,
        link_id: null,
        reverses_entry_id: null,
      })
      .execute();
    const thief = newWorkspace().person();
    expect(await run(db, thief, 'storefront', `setup ${unique('thief')} ${tag}`)).toMatchObject({ tone: 'success' });
    const stolen = replyText(await run(db, thief, 'earnings', 'all'));
    expect(stolen).not.toContain('543.21');
    expect(stolen).toContain('No earnings');
    expect(replyText(await run(db, me, 'earnings', 'all'))).toContain('$543.21');
  });

  it('then another workspace cannot act on their storefront', async () => {
    const { handle } = await setUp();
    const outsider = newWorkspace().person({ admin: true });
    expect(await run(db, outsider, 'storefront', 'show')).toMatchObject({ tone: 'error', text: expect.stringContaining('You have no storefront yet') });
    expect(await run(db, outsider, 'storefront', `remove ${ASIN}`)).toMatchObject({ tone: 'error' });
    // Even a forged identity row pointing at their influencer is refused: the influencer is not in the caller's organisation.
    const influencer = await db.selectFrom('influencers').select('id').where('handle', '=', handle).executeTakeFirstOrThrow();
    await run(db, outsider, 'storefront', 'help');
    await db.updateTable('platform_identities').set({ influencer_id: influencer.id }).where('user_id', '=', outsider.userId).execute();
    expect(await run(db, outsider, 'storefront', 'show')).toMatchObject({ tone: 'error', text: expect.stringContaining('You have no storefront yet') });
  });
});
