import { afterAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { organisationOf, randomAsin } from '../support/fixtures.ts';
import { testDb, unique } from '../support/env.ts';
import { newWorkspace, replyText, run, type Person } from '../support/commands.ts';

// A product no other test file touches: products are shared across storefronts, so titles could differ.
const ASIN = randomAsin();
const db = testDb();
afterAll(() => db.destroy());

async function influencerIn(ws: ReturnType<typeof newWorkspace>, opts: Partial<Person> = {}) {
  const me = ws.person(opts);
  const handle = unique('le');
  await run(db, me, 'storefront', `setup ${handle} ${handle}-20`);
  const { id } = await db.selectFrom('influencers').select('id').where('handle', '=', handle).executeTakeFirstOrThrow();
  return { me, handle, influencerId: id };
}

async function entry(
  d: Db,
  influencerId: number,
  trackingId: string,
  kind: 'confirmed' | 'pending' | 'reversal' | 'bounty',
  amount: number,
  at: string,
  asin = ASIN,
  qty = 1,
) {
  await d
    .insertInto('ledger_entries')
    .values({
      network: 'amazon',
      line_key: unique('k'),
      kind,
      tracking_id: trackingId,
      influencer_id: influencerId,
      organisation_id: organisationOf(influencerId),
      marketplace: 'US',
      asin,
      product_name: `Product ${asin}`,
      category: 'PC',
      occurred_at: new Date(at),
      quantity: kind === 'reversal' ? -qty : qty,
      amount_minor: amount,
      currency: 'USD',
      ingest_id: null,
      link_id: null,
      reverses_entry_id: null,
    })
    .execute();
}

describe('when an influencer asks for a link', () => {
  it('then /link answers with the short link ready to paste and where it goes', async () => {
    const { me, handle } = await influencerIn(newWorkspace());
    const r = await run(db, me, 'link', `https://www.amazon.com/Logitech/dp/${ASIN}/ref=x?tag=thief-20 tiktok`);
    expect(r).toMatchObject({
      visibility: 'ephemeral',
      title: `Amazon product ${ASIN}`,
      copy: expect.stringMatching(/^https:\/\/go\.test\/l\/[0-9A-Za-z]{8}$/),
    });
    expect(replyText(r)).toContain(`Goes to: https://www.amazon.com/dp/${ASIN}?tag=${handle}-20`);
    expect(replyText(r)).toContain('Campaign: tiktok');
    expect((await run(db, me, 'link', `${ASIN} tiktok`)).copy).toBe(r.copy);
    expect((await run(db, me, 'link', ASIN)).copy).not.toBe(r.copy);
  });

  it('then mistakes get a clear private answer', async () => {
    const { me } = await influencerIn(newWorkspace());
    expect(await run(db, me, 'link', '')).toMatchObject({ visibility: 'ephemeral', tone: 'error', footer: 'Usage: /link <product> [campaign]' });
    expect(await run(db, me, 'link', `https://amazon.com.evil.io/dp/${ASIN}`)).toMatchObject({
      tone: 'error',
      text: expect.stringContaining('not an Amazon product'),
    });
    expect(await run(db, me, 'link', `${ASIN} a b c`)).toMatchObject({ tone: 'error', text: expect.stringContaining('Too many words') });
    expect(await run(db, me, 'link', `https://www.amazon.de/dp/${ASIN}`)).toMatchObject({
      tone: 'error',
      text: expect.stringContaining('no tracking ID for amazon.de'),
    });
    expect(await run(db, newWorkspace().person(), 'link', ASIN)).toMatchObject({ tone: 'error', text: expect.stringContaining('You have no storefront yet') });
  });
});

describe('when someone asks for earnings', () => {
  it('then with nothing ingested it says so plainly', async () => {
    const { me } = await influencerIn(newWorkspace());
    const r = await run(db, me, 'earnings');
    expect(r).toMatchObject({ visibility: 'ephemeral', title: 'Earnings · Last 30 days' });
    expect(r.text).toMatch(/^No earnings have been ingested for @\S+ yet\./);
  });

  it('then confirmed, pending, reversed and net are shown with currency formatting and top products', async () => {
    const { me, handle, influencerId } = await influencerIn(newWorkspace());
    const now = new Date('2026-03-15T12:00:00Z');
    await entry(db, influencerId, `${handle}-20`, 'confirmed', 123456, '2026-03-10T10:00:00Z', 'B000000001', 3);
    await entry(db, influencerId, `${handle}-20`, 'confirmed', 500, '2026-03-11T10:00:00Z', 'B000000002');
    await entry(db, influencerId, `${handle}-20`, 'reversal', -250, '2026-03-12T10:00:00Z', 'B000000002');
    await entry(db, influencerId, `${handle}-20`, 'pending', 999, '2026-03-14T10:00:00Z', 'B000000003');
    await entry(db, influencerId, `${handle}-20`, 'confirmed', 777, '2026-01-01T10:00:00Z', 'B000000004'); // outside 7d
    const r = await run(db, me, 'earnings', '7d', { now });
    const text = replyText(r);
    expect(text).toContain('Confirmed: $1,239.56');
    expect(text).toContain('Pending: $9.99');
    expect(text).toContain('Reversed: −$2.50');
    expect(text).toContain('Net: $1,237.06');
    expect(r.sections?.[0]).toMatchObject({
      title: 'Top products',
      lines: [{ text: 'Product B000000001', detail: '$1,234.56 · 3 items' }, expect.anything(), expect.anything()],
    });
    expect(replyText(await run(db, me, 'earnings', 'ytd', { now }))).toContain('Confirmed: $1,247.33');
    expect(replyText(await run(db, me, 'earnings', '2026-03-12..2026-03-12', { now }))).toContain('Reversed: −$2.50');
    expect((await run(db, me, 'earnings', '2026-03-12..2026-03-12', { now })).fields?.find((f) => f.label === 'Confirmed')?.value).toBe('$0.00');
    expect(await run(db, me, 'earnings', 'last-week')).toMatchObject({
      tone: 'error',
      text: expect.stringContaining('is not a period'),
      footer: expect.stringContaining('/earnings'),
    });
    expect(await run(db, me, 'earnings', '2026-02-30..2026-03-01')).toMatchObject({ tone: 'error' });
  });

  it('then only managers see the team, and only their own organisation', async () => {
    const ws = newWorkspace();
    const a = await influencerIn(ws);
    const b = await influencerIn(ws);
    const manager = ws.person({ admin: true });
    const outsider = await influencerIn(newWorkspace());
    const now = new Date('2026-03-15T12:00:00Z');
    await entry(db, a.influencerId, `${a.handle}-20`, 'confirmed', 1000, '2026-03-14T10:00:00Z');
    await entry(db, b.influencerId, `${b.handle}-20`, 'confirmed', 2000, '2026-03-14T10:00:00Z');
    await entry(db, outsider.influencerId, `${outsider.handle}-20`, 'confirmed', 99999, '2026-03-14T10:00:00Z');
    expect(replyText(await run(db, manager, 'earnings', '7d', { now }))).toContain('Confirmed: $30.00');
    expect(await run(db, a.me, 'earnings', '7d team', { now })).toMatchObject({ tone: 'error', text: expect.stringContaining('Only managers') });
    expect(replyText(await run(db, a.me, 'earnings', '7d', { now }))).toContain('Confirmed: $10.00');
  });
});

describe('when a manager uses /digest', () => {
  it('then now shows each influencer of their team, and members are refused', async () => {
    const ws = newWorkspace();
    const a = await influencerIn(ws);
    const manager = ws.person({ admin: true, timezone: 'America/New_York' });
    await entry(db, a.influencerId, `${a.handle}-20`, 'confirmed', 4321, '2026-03-14T15:00:00Z');
    const r = await run(db, manager, 'digest', 'now', { now: new Date('2026-03-15T14:00:00Z') });
    expect(r.title).toBe('Team digest · 2026-03-14');
    expect(replyText(r)).toContain(`@${a.handle}`);
    expect(replyText(r)).toContain('$43.21 confirmed');
    expect(await run(db, a.me, 'digest', 'now')).toMatchObject({ tone: 'error', text: expect.stringContaining('Only managers') });
  });

  it('then subscribe and off store the schedule in the right time zone', async () => {
    const ws = newWorkspace();
    const manager = ws.person({ admin: true, timezone: 'Europe/Berlin' });
    expect((await run(db, manager, 'digest', 'subscribe')).text).toBe('You will get the team digest every day at 09:00 (Europe/Berlin) as a direct message.');
    expect((await run(db, manager, 'digest', 'subscribe 7:30 America/Chicago')).text).toBe(
      'You will get the team digest every day at 07:30 (America/Chicago) as a direct message.',
    );
    expect(await run(db, manager, 'digest', 'subscribe 25:00')).toMatchObject({ tone: 'error', text: expect.stringContaining('not a time of day') });
    expect(await run(db, manager, 'digest', 'subscribe 08:00 Mars/Olympus')).toMatchObject({ tone: 'error', text: expect.stringContaining('not a time zone') });
    expect((await run(db, manager, 'digest', 'off')).text).toBe('Daily digest stopped.');
    expect((await run(db, manager, 'digest', 'off')).text).toBe('You had no daily digest; nothing changed.');
  });

  it('then a manager can grant another member, who then sees team figures', async () => {
    const ws = newWorkspace();
    const manager = ws.person({ admin: true });
    const member = ws.person();
    expect(await run(db, member, 'digest', 'now')).toMatchObject({ tone: 'error' });
    expect(await run(db, member, 'digest', `grant <@${manager.userId}>`)).toMatchObject({ tone: 'error', text: expect.stringContaining('Only managers') });
    expect((await run(db, manager, 'digest', `grant <@${member.userId}|someone>`)).tone).toBe('success');
    expect((await run(db, member, 'digest', 'now')).tone).not.toBe('error');
    expect(await run(db, manager, 'digest', 'grant someone')).toMatchObject({ tone: 'error', text: expect.stringContaining('Mention the person') });
    await run(db, manager, 'digest', `revoke <@${member.userId}>`);
    expect(await run(db, member, 'digest', 'now')).toMatchObject({ tone: 'error' });
  });
});
