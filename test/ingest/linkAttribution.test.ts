// Commission by link: a JSON-lines feed names the short link an order came through (the sub-ID a network echoes
// back); the line is credited to that link only when the link belongs to the tracking ID's owner, and /earnings
// shows what each link earned, net of returns.
import { afterAll, describe, expect, it } from 'vitest';
import { addTrackingId } from '../../src/domain/organisations/influencers.ts';
import { formatIngest } from '../../src/cli/ingestCommands.ts';
import { newWorkspace, replyText, run } from '../support/commands.ts';
import { testDb, unique } from '../support/env.ts';
import { randomAsin } from '../support/fixtures.ts';
import { ingest, writeReport } from '../support/ingest.ts';

const db = testDb();
afterAll(() => db.destroy());

const DAY = 86_400_000;
const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString();

async function influencerWithLink(ws: ReturnType<typeof newWorkspace>, campaign: string) {
  const me = ws.person();
  const handle = unique('la');
  expect((await run(db, me, 'storefront', `setup ${handle} ${handle}-20`)).tone).toBe('success');
  const asin = randomAsin();
  const url = (await run(db, me, 'link', `${asin} ${campaign}`)).copy!;
  const code = url.split('/l/')[1]!;
  const { id, organisation_id } = await db.selectFrom('influencers').select(['id', 'organisation_id']).where('handle', '=', handle).executeTakeFirstOrThrow();
  return { me, handle, trackingId: `${handle}-20`, asin, url, code, influencerId: id, organisationId: organisation_id };
}

function event(over: Record<string, unknown>) {
  return JSON.stringify({
    orderId: unique('o'),
    line: 1,
    asin: 'B000000001',
    category: 'Kitchen',
    qty: 1,
    unitPrice: '20.00',
    currency: 'USD',
    status: 'shipped',
    commission: '1.00',
    time: at(2),
    ...over,
  });
}

/** (link id, amount) of a tracking ID's ledger lines, in the order the feed sent them. */
const linkIdsOf = async (trackingId: string) =>
  (
    await db
      .selectFrom('ledger_entries as e')
      .innerJoin('feed_ingests as f', 'f.id', 'e.ingest_id')
      .select(['e.link_id', 'e.amount_minor'])
      .where('e.tracking_id', '=', trackingId)
      .orderBy('f.created_at')
      .orderBy('e.source_line')
      .orderBy('e.id')
      .execute()
  ).map((r) => [r.link_id === null ? null : Number(r.link_id), Number(r.amount_minor)]);

describe('when an order feed names the link an order came through', () => {
  it('then the owner’s link is credited, net of returns, and /earnings lists commission by link', async () => {
    const ws = newWorkspace();
    const a = await influencerWithLink(ws, 'tiktok');
    const b = await influencerWithLink(ws, 'youtube');
    const linkA = Number((await db.selectFrom('links').select('id').where('code', '=', a.code).executeTakeFirstOrThrow()).id);
    const shipped = { orderId: unique('o'), asin: a.asin, link: a.code, qty: 2, commission: '2.25' };
    const lines = [
      event({ ...shipped, trackingId: a.trackingId }),
      event({ trackingId: a.trackingId, asin: a.asin, link: a.code, status: 'ordered', commission: '1.50', time: at(3) }), // ordered a day before it shipped
      event({ trackingId: a.trackingId, link: b.code, commission: '4.00' }), // b's link, a's sale: a's money, no link
      event({ trackingId: a.trackingId, link: 'zzzzzzzz', commission: '0.40' }), // no such link
      event({ trackingId: a.trackingId, commission: '0.10' }), // no link named
      event({ trackingId: a.trackingId, link: 'not a code!' }), // refused: not one of our codes
    ];
    const file = writeReport(lines.join('\n') + '\n', 'jsonl');
    const first = await ingest(db, file, { organisationId: a.organisationId });
    expect(first.counts).toMatchObject({ accepted: 5, rejected: 1 });
    expect(first.rowErrors).toEqual([expect.objectContaining({ line: 6, message: expect.stringContaining('link must be one of our short-link codes') })]);
    expect((first.summary as { unmatchedLinkCodes: string[] }).unmatchedLinkCodes).toEqual([b.code, 'zzzzzzzz'].sort((x, y) => (x < y ? -1 : 1)));
    expect(formatIngest(first)).toContain(
      `link codes credited to no link (unknown, or not the tracking ID owner's): ${[b.code, 'zzzzzzzz'].sort((x, y) => (x < y ? -1 : 1)).join(', ')}`,
    );
    // The shipment confirms the order of the same product: its estimate is released, from the same link.
    expect(await linkIdsOf(a.trackingId)).toEqual([
      [linkA, 225],
      [linkA, 150],
      [linkA, -150],
      [null, 400],
      [null, 40],
      [null, 10],
    ]);
    expect(await linkIdsOf(b.trackingId)).toEqual([]);

    let card = await run(db, a.me, 'earnings', 'all');
    expect(card.sections?.find((s) => s.title === 'Commission by link')).toEqual({
      title: 'Commission by link',
      lines: [{ text: `${a.asin} · tiktok`, url: a.url, detail: '$2.25 · 2 items' }],
    });
    expect(replyText(card)).toContain('Net: $6.75');

    // The shipment comes back: the link's figure drops by its commission; the same file again changes nothing.
    const returned = writeReport(event({ ...shipped, trackingId: a.trackingId, status: 'returned' }) + '\n', 'jsonl');
    expect((await ingest(db, returned, { organisationId: a.organisationId })).counts).toMatchObject({ accepted: 1, reversed: 1 });
    expect((await ingest(db, file, { organisationId: a.organisationId })).counts).toMatchObject({ accepted: 0, unchanged: 5 });
    expect(await linkIdsOf(a.trackingId)).toEqual([
      [linkA, 225],
      [linkA, 150],
      [linkA, -150],
      [null, 400],
      [null, 40],
      [null, 10],
      [linkA, -225],
    ]);
    card = await run(db, a.me, 'earnings', 'all');
    expect(card.sections?.find((s) => s.title === 'Commission by link')?.lines).toEqual([
      { text: `${a.asin} · tiktok`, url: a.url, detail: '$0.00 · 2 items' },
    ]);
    // b's link earned nothing: nobody's sale is credited to a link its owner does not hold.
    expect((await run(db, b.me, 'earnings', 'all')).sections?.find((s) => s.title === 'Commission by link')).toBeUndefined();
  });

  it('then an influencer with several tracking IDs sees what each one earned', async () => {
    const ws = newWorkspace();
    const a = await influencerWithLink(ws, 'ig');
    const ca = `${a.handle}-ca-21`;
    await addTrackingId(db, a.influencerId, ca, 'CA');
    const file = writeReport(
      [event({ trackingId: a.trackingId, commission: '3.00' }), event({ trackingId: ca, currency: 'CAD', commission: '5.00' })].join('\n') + '\n',
      'jsonl',
    );
    expect((await ingest(db, file, { organisationId: a.organisationId })).counts).toMatchObject({ accepted: 2 });
    const card = await run(db, a.me, 'earnings', 'all');
    expect(card.sections?.find((s) => s.title === 'By tracking ID')?.lines).toEqual([
      { text: ca, detail: 'net CA$5.00 · pending CA$0.00' },
      { text: a.trackingId, detail: 'net $3.00 · pending $0.00' },
    ]);
  });
});
