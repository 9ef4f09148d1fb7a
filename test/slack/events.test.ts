// Events API through the real server: App Home, link unfurls, and token revocation / uninstall.
import { afterAll, describe, expect, it } from 'vitest';
import { upsertProduct } from '../../src/domain/links/products.ts';
import { testDb, unique } from '../support/env.ts';
import { organisationOf, randomAsin } from '../support/fixtures.ts';
import { blockStrings, newTeam, sendEvent, slash, useSlackApp, visibleText, type Who } from './helpers.ts';

const db = testDb();
afterAll(() => db.destroy());
const app = useSlackApp('xoxb-events');

async function setUp(who: Who = newTeam().member()) {
  const handle = unique('ev');
  const { reply } = await slash(app.rt.url, app.fake, who, 'storefront', `setup ${handle} ${handle}-20`);
  expect(visibleText(reply.body.blocks)).toContain('Storefront created');
  const { id } = await db.selectFrom('influencers').select('id').where('handle', '=', handle).executeTakeFirstOrThrow();
  return { who, handle, influencerId: id };
}

const openHome = (who: Who, tab = 'home') =>
  sendEvent(app.rt.url, who.team, { type: 'app_home_opened', user: who.user, channel: 'D0HOME', tab, event_ts: `${Date.now() / 1000}` });

describe('when someone opens the App Home tab', () => {
  it('then their storefront URL and the last 7 days of earnings are published, fresh on every open', async () => {
    const who = newTeam().member();
    app.fake.setUser(who.user, { tz: 'Europe/London' });
    const { handle, influencerId } = await setUp(who);
    const entry = (amount: number, daysAgo: number, name: string) =>
      db
        .insertInto('ledger_entries')
        .values({
          network: 'amazon',
          line_key: unique('k'),
          kind: 'confirmed',
          tracking_id: `${handle}-20`,
          influencer_id: influencerId,
          organisation_id: organisationOf(influencerId),
          marketplace: 'US',
          asin: randomAsin(),
          product_name: name,
          category: 'Home',
          occurred_at: new Date(Date.now() - daysAgo * 86_400_000),
          quantity: 1,
          amount_minor: amount,
          currency: 'USD',
          ingest_id: null,
          link_id: null,
          reverses_entry_id: null,
        })
        .execute();
    await entry(2500, 1, 'Standing desk');
    await entry(99_999, 20, 'Too old to count');

    const r = await openHome(who);
    expect(r.status).toBe(200);
    expect(r.ms).toBeLessThan(3000);
    const call = await app.fake.waitForCall('views.publish', (c) => c.body.user_id === who.user);
    expect(call.token).toBe('xoxb-events');
    const view = call.body.view as { type: string; blocks: unknown[] };
    expect(view.type).toBe('home');
    const text = visibleText(view.blocks);
    expect(text).toContain(`@${handle}'s storefront`);
    expect(text).toContain(`http://links.test/s/${handle}`);
    expect(text).toContain('*Confirmed*\n$25.00');
    expect(text).toContain('Standing desk');
    expect(text).not.toContain('Too old to count');
    expect(text).toContain('Last 7 days in Europe/London.');
    // The same figures as /earnings (one composer): the clicks by kind, bots included.
    expect(text).toContain('*Clicks*\n0 clicks · 0 repeats · 0 previews · 0 bots');
    const { reply } = await slash(app.rt.url, app.fake, who, 'earnings', '7d');
    expect(visibleText(reply.body.blocks)).toContain('*Clicks*\n0 clicks · 0 repeats · 0 previews · 0 bots');

    await entry(1000, 0, 'Desk lamp');
    await openHome(who);
    await app.fake.waitForCall(
      'views.publish',
      (c) => c.body.user_id === who.user && visibleText((c.body.view as { blocks: unknown[] }).blocks).includes('$35.00'),
    );
    expect(app.fake.callsTo('views.publish').filter((c) => c.body.user_id === who.user)).toHaveLength(2);
  });

  it('then someone without a storefront gets a setup hint, and the Messages tab publishes nothing', async () => {
    const who = newTeam().member();
    await openHome(who, 'messages');
    await openHome(who);
    const call = await app.fake.waitForCall('views.publish', (c) => c.body.user_id === who.user);
    expect(visibleText((call.body.view as { blocks: unknown[] }).blocks)).toContain(
      'You have no storefront yet. Create one with /storefront setup <handle> <tracking-id>',
    );
    await app.rt.idle();
    expect(app.fake.callsTo('views.publish').filter((c) => c.body.user_id === who.user)).toHaveLength(1);
  });
});

describe('when one of our short links is shared', () => {
  it('then chat.unfurl gets a product card with title, store and handle, escaped; other links are left alone', async () => {
    const { who, handle } = await setUp();
    const asin = randomAsin();
    await upsertProduct(db, { asin, marketplace: 'US' }, { title: 'Desk <!channel> *lamp*', priceMinor: 4999, currency: 'USD' });
    const { reply } = await slash(app.rt.url, app.fake, who, 'link', asin);
    const shortUrl = /http:\/\/links\.test\/l\/[0-9A-Za-z]{8}/.exec(visibleText(reply.body.blocks))![0];
    const channel = unique('C').toUpperCase();
    const r = await sendEvent(app.rt.url, who.team, {
      type: 'link_shared',
      channel,
      user: who.user,
      message_ts: '1700000000.000100',
      links: [
        { domain: 'links.test', url: shortUrl },
        { domain: 'links.test', url: 'http://links.test/l/Nope12345' },
        { domain: 'evil.test', url: `http://evil.test/l/${shortUrl.slice(-8)}` },
      ],
      event_ts: '1700000000.000100',
    });
    expect(r.status).toBe(200);
    const call = await app.fake.waitForCall('chat.unfurl', (c) => c.body.channel === channel);
    expect(call.body.ts).toBe('1700000000.000100');
    const unfurls = call.body.unfurls as Record<string, { blocks: unknown[] }>;
    expect(Object.keys(unfurls)).toEqual([shortUrl]);
    const card = unfurls[shortUrl]!.blocks;
    expect(card[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Desk <!channel> *lamp*', emoji: true } });
    const text = visibleText(card);
    expect(text).toContain('*Store*\namazon.com');
    expect(text).toContain(`*Shared by*\n@${handle}`);
    expect(text).toMatch(/\*Price\*\n\$49\.99 as of \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC/);
    expect(JSON.stringify(blockStrings(card.slice(1)))).not.toMatch(/<!channel>|\*lamp/);
  });

  it('then links still in the composer are unfurled by unfurl_id and source', async () => {
    const { who } = await setUp();
    const { reply } = await slash(app.rt.url, app.fake, who, 'link', randomAsin());
    const shortUrl = /http:\/\/links\.test\/l\/[0-9A-Za-z]{8}/.exec(visibleText(reply.body.blocks))![0];
    const unfurlId = unique('Uf');
    await sendEvent(app.rt.url, who.team, {
      type: 'link_shared',
      channel: 'COMPOSER',
      user: who.user,
      message_ts: unfurlId,
      unfurl_id: unfurlId,
      source: 'composer',
      links: [{ domain: 'links.test', url: shortUrl }],
      event_ts: '1.1',
    });
    const call = await app.fake.waitForCall('chat.unfurl', (c) => c.body.unfurl_id === unfurlId);
    expect(call.body).toMatchObject({ source: 'composer' });
    expect(call.body.channel).toBeUndefined();
  });
});

describe('when the app loses its token', () => {
  it.each(['tokens_revoked', 'app_uninstalled'])('then %s marks the workspace revoked and clears its token', async (type) => {
    const { who } = await setUp();
    await db.updateTable('slack_workspaces').set({ bot_token: 'xoxb-stored', bot_user_id: 'UBOT' }).where('team_id', '=', who.team).execute();
    const event = type === 'tokens_revoked' ? { type, tokens: { bot: ['UBOT'] }, event_ts: '1.1' } : { type, event_ts: '1.1' };
    expect((await sendEvent(app.rt.url, who.team, event)).status).toBe(200);
    await app.rt.idle();
    const row = await db.selectFrom('slack_workspaces').select(['bot_token', 'revoked_at']).where('team_id', '=', who.team).executeTakeFirstOrThrow();
    expect(row.bot_token).toBeNull();
    expect(row.revoked_at).toBeInstanceOf(Date);
  });

  it('then revoking only user tokens leaves the workspace alone', async () => {
    const { who } = await setUp();
    await sendEvent(app.rt.url, who.team, { type: 'tokens_revoked', tokens: { oauth: ['U123'] }, event_ts: '1.1' });
    await app.rt.idle();
    expect(await db.selectFrom('slack_workspaces').select('revoked_at').where('team_id', '=', who.team).executeTakeFirstOrThrow()).toEqual({
      revoked_at: null,
    });
  });
});
