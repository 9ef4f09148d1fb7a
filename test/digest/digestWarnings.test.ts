import { afterAll, describe, expect, it } from 'vitest';
import { digestCard } from '../../src/cards/digest.ts';
import { buildDigest, type DigestWarning } from '../../src/domain/digest/digestReport.ts';
import { addDays } from '../../src/domain/common/time.ts';
import { testDb, unique } from '../support/env.ts';
import { addClicks, addInfluencers, addLedger, newOrganisation, type Member } from './seed.ts';

const db = testDb();
afterAll(() => db.destroy());

// Sunday 2026-03-15, 12:00 UTC; yesterday is Saturday 2026-03-14 (UTC).
const NOW = new Date('2026-03-15T12:00:00Z');
const YESTERDAY = '2026-03-14T12:00:00Z';
const tz = 'UTC';

async function dailyClicks(m: Member, perDay: number, days = 7) {
  for (let d = 1; d <= days; d++) await addClicks(db, m.linkId, `${addDays('2026-03-14', -d)}T12:00:00Z`, perDay);
}

const about = (warnings: DigestWarning[], kind: DigestWarning['kind']) =>
  warnings
    .filter((w) => w.kind === kind)
    .map((w) => ('handle' in w ? w.handle : 'name' in w ? w.name : w.kind))
    .sort();

describe('when yesterday brought a burst of clicks', () => {
  it('then a spike of at least 20 clicks and 3× the week before, with no order, is flagged as possible fake traffic', async () => {
    const org = await newOrganisation(db);
    const [spike, fromNothing, withOrder, small, usual] = await addInfluencers(db, org, 5);
    await dailyClicks(spike!, 2); // 2 a day: 25 is far above 3 × 2
    await addClicks(db, spike!.linkId, YESTERDAY, 25);
    await addClicks(db, fromNothing!.linkId, YESTERDAY, 20); // no history at all, exactly the minimum
    await addClicks(db, withOrder!.linkId, YESTERDAY, 25);
    await addLedger(db, { influencerId: withOrder!.id, trackingId: withOrder!.trackingId }, [{ kind: 'pending', amount: 100, at: YESTERDAY }]);
    await addClicks(db, small!.linkId, YESTERDAY, 19); // below the minimum
    await dailyClicks(usual!, 10); // 25 is less than 3 × 10
    await addClicks(db, usual!.linkId, YESTERDAY, 25);

    const r = await buildDigest(db, org, { timezone: tz, now: NOW });
    expect(about(r.warnings, 'click-spike')).toEqual([spike!.handle, fromNothing!.handle].sort());
    expect(r.warnings.find((w) => w.kind === 'click-spike' && w.handle === spike!.handle)).toEqual({
      kind: 'click-spike',
      influencerId: spike!.id,
      handle: spike!.handle,
      clicks: 25,
      baselineClicks: 14,
      baselineDays: 7,
      orders: 0,
    });
  });
});

describe('when much of yesterday’s traffic was repeats or bots', () => {
  it('then more than 40% repeats and bots among at least 20 is flagged, previews are not held against anyone', async () => {
    const org = await newOrganisation(db);
    const [doubtful, borderline, few, previews] = await addInfluencers(db, org, 4);
    await addClicks(db, doubtful!.linkId, YESTERDAY, 12);
    await addClicks(db, doubtful!.linkId, YESTERDAY, 10, 'repeat');
    await addClicks(db, doubtful!.linkId, YESTERDAY, 3, 'bot'); // 13 of 25 = 52%
    await addClicks(db, borderline!.linkId, YESTERDAY, 15);
    await addClicks(db, borderline!.linkId, YESTERDAY, 5, 'repeat');
    await addClicks(db, borderline!.linkId, YESTERDAY, 5, 'bot'); // 10 of 25 = exactly 40%
    await addClicks(db, few!.linkId, YESTERDAY, 5);
    await addClicks(db, few!.linkId, YESTERDAY, 10, 'repeat'); // 67%, but only 15 in all
    await addClicks(db, previews!.linkId, YESTERDAY, 10);
    await addClicks(db, previews!.linkId, YESTERDAY, 30, 'preview');

    const r = await buildDigest(db, org, { timezone: tz, now: NOW });
    expect(about(r.warnings, 'low-quality-traffic')).toEqual([doubtful!.handle]);
    expect(r.warnings.find((w) => w.kind === 'low-quality-traffic')).toMatchObject({ clicks: 12, repeats: 10, bots: 3, sharePercent: 52 });
  });
});

describe('when returns pile up this month', () => {
  it('then a return rate at least double last month’s, with 5 or more returns, is flagged', async () => {
    const org = await newOrganisation(db);
    const [jump, fewReturns, steady, noBaseline] = await addInfluencers(db, org, 4);
    const lastMonth = '2026-02-10T12:00:00Z';
    const thisMonth = '2026-03-05T12:00:00Z';
    const seed = async (m: Member, prevShipped: number, prevReturned: number, shipped: number, returned: number) => {
      const owner = { influencerId: m.id, trackingId: m.trackingId };
      await addLedger(db, owner, [
        ...(prevShipped ? [{ kind: 'confirmed' as const, amount: prevShipped * 100, at: lastMonth, quantity: prevShipped }] : []),
        ...(prevReturned ? [{ kind: 'reversal' as const, amount: -prevReturned * 100, at: lastMonth, quantity: -prevReturned }] : []),
        ...(shipped ? [{ kind: 'confirmed' as const, amount: shipped * 100, at: thisMonth, quantity: shipped }] : []),
        ...(returned ? [{ kind: 'reversal' as const, amount: -returned * 100, at: thisMonth, quantity: -returned }] : []),
      ]);
    };
    await seed(jump!, 50, 1, 20, 5); // 2% → 25%
    await seed(fewReturns!, 50, 1, 8, 4); // 50%, but only 4 returns
    await seed(steady!, 50, 10, 20, 5); // 20% → 25%: not doubled
    await seed(noBaseline!, 0, 0, 20, 6); // nothing shipped last month: no rate to compare with

    const r = await buildDigest(db, org, { timezone: tz, now: NOW });
    expect(about(r.warnings, 'return-rate-jump')).toEqual([jump!.handle]);
    expect(r.warnings.find((w) => w.kind === 'return-rate-jump')).toMatchObject({ returned: 5, shipped: 20, previousReturned: 1, previousShipped: 50 });
  });

  it('then a line reversed because it vanished from a re-issued report is not a return', async () => {
    const org = await newOrganisation(db);
    const [m] = await addInfluencers(db, org, 1);
    const owner = { influencerId: m!.id, trackingId: m!.trackingId };
    await addLedger(db, owner, [{ kind: 'confirmed', amount: 5000, at: '2026-02-10T12:00:00Z', quantity: 50 }]);
    const shipped = await addLedger(
      db,
      owner,
      Array.from({ length: 6 }, () => ({ kind: 'confirmed' as const, amount: 100, at: '2026-03-05T12:00:00Z' })),
    );
    await addLedger(
      db,
      owner,
      shipped.map((id) => ({ kind: 'reversal' as const, amount: -100, at: '2026-03-05T12:00:00Z', reversesEntryId: id })),
    );
    const r = await buildDigest(db, org, { timezone: tz, now: NOW });
    expect(r.influencers[0]!.monthToDate.itemsReturned).toBe(0);
    expect(about(r.warnings, 'return-rate-jump')).toEqual([]);
  });
});

describe('when a scheduled feed has not arrived', () => {
  async function feed(
    organisationId: number,
    cron: string,
    lastSuccess: string | null,
    extra: { enabled?: boolean; createdAt?: string; lastError?: string } = {},
  ) {
    const name = unique('feed');
    const row = await db
      .insertInto('feed_sources')
      .values({
        organisation_id: organisationId,
        network: 'amazon',
        name,
        url: 'https://feeds.test/report.csv',
        cron,
        marketplace: 'US',
        headers: null,
        last_polled_at: null,
        last_success_at: lastSuccess ? new Date(lastSuccess) : null,
        last_error: extra.lastError ?? null,
        enabled: extra.enabled ?? true,
        created_at: new Date(extra.createdAt ?? '2026-01-01T00:00:00Z'),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: row.id, name };
  }

  it('then a source whose last success is older than its last scheduled pull (plus an hour’s grace) is flagged, for the organisation’s own sources only', async () => {
    const org = await newOrganisation(db);
    const other = await newOrganisation(db);
    const late = await feed(org, '0 6 * * *', '2026-03-14T06:01:00Z', { lastError: 'GET feeds.test answered 503' }); // today's 06:00 pull missing
    const fresh = await feed(org, '0 6 * * *', '2026-03-15T06:02:00Z');
    const inGrace = await feed(org, '30 11 * * *', '2026-03-14T11:31:00Z'); // today's 11:30 pull may still be running
    const foreign = await feed(other, '0 6 * * *', '2026-03-01T06:00:00Z'); // stale, but another organisation's business
    const disabled = await feed(org, '0 6 * * *', '2026-03-01T06:00:00Z', { enabled: false });
    const brandNew = await feed(org, '0 6 * * *', null, { createdAt: '2026-03-15T10:00:00Z' }); // added after the last pull time
    const mine = new Set([late, fresh, inGrace, foreign, disabled, brandNew].map((f) => f.id));

    const r = await buildDigest(db, org, { timezone: tz, now: NOW });
    const flagged = r.warnings.filter((w) => w.kind === 'feed-late' && mine.has(w.feedSourceId));
    expect(flagged.map((w) => (w.kind === 'feed-late' ? w.name : ''))).toEqual([late.name]);
    const flaggedThere = (await buildDigest(db, other, { timezone: tz, now: NOW })).warnings.filter((w) => w.kind === 'feed-late' && mine.has(w.feedSourceId));
    expect(flaggedThere.map((w) => (w.kind === 'feed-late' ? w.feedSourceId : 0))).toEqual([foreign.id]);
    expect(flagged.find((w) => w.kind === 'feed-late' && w.feedSourceId === late.id)).toEqual({
      kind: 'feed-late',
      feedSourceId: late.id,
      name: late.name,
      cron: '0 6 * * *',
      expectedAt: new Date('2026-03-15T06:00:00Z'),
      lastSuccessAt: new Date('2026-03-14T06:01:00Z'),
      lastError: 'GET feeds.test answered 503',
    });
  });
});

describe('when nothing is unusual', () => {
  it('then an ordinary day raises no warning about any influencer', async () => {
    const org = await newOrganisation(db);
    const [a, b] = await addInfluencers(db, org, 2);
    await dailyClicks(a!, 10);
    await addClicks(db, a!.linkId, YESTERDAY, 12);
    await addClicks(db, a!.linkId, YESTERDAY, 2, 'repeat');
    await addLedger(db, { influencerId: a!.id, trackingId: a!.trackingId }, [{ kind: 'pending', amount: 100, at: YESTERDAY }]);
    await addClicks(db, b!.linkId, YESTERDAY, 3);
    const r = await buildDigest(db, org, { timezone: tz, now: NOW });
    expect(r.warnings.filter((w) => w.kind !== 'feed-late')).toEqual([]);
  });
});

describe('when storefront products can no longer be bought on Amazon', () => {
  it('then the digest counts them under warnings with examples, for this organisation only', async () => {
    const org = await newOrganisation(db);
    const [a, b] = await addInfluencers(db, org, 2);
    const [stranger] = await addInfluencers(db, await newOrganisation(db), 1);
    // Each member's product in their storefront; the catalogue refresh found a's gone and b's out of stock.
    for (const [m, health] of [
      [a!, 'unavailable'],
      [b!, 'out_of_stock'],
      [stranger!, 'unavailable'],
    ] as const) {
      const storefront = await db.insertInto('storefronts').values({ influencer_id: m.id }).returning('id').executeTakeFirstOrThrow();
      const list = await db
        .insertInto('storefront_lists')
        .values({ storefront_id: storefront.id, name: 'Favorites' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const product = await db.selectFrom('products').select('id').where('asin', '=', m.asin).executeTakeFirstOrThrow();
      await db.insertInto('storefront_items').values({ storefront_id: storefront.id, list_id: list.id, product_id: product.id, note: null }).execute();
      await db
        .insertInto('catalogue_entries')
        .values({ product_id: product.id, title: `Gone ${m.asin}`, health, health_changed_at: NOW })
        .execute();
    }
    const r = await buildDigest(db, org, { timezone: tz, now: NOW });
    const warning = r.warnings.find((w) => w.kind === 'unavailable-products');
    expect(warning).toMatchObject({ kind: 'unavailable-products', count: 2, outOfStock: 1, unavailable: 1 });
    expect(warning && 'examples' in warning ? warning.examples.map((e) => e.handle).sort() : []).toEqual([a!.handle, b!.handle].sort());
    const card = JSON.stringify(digestCard(r, { baseUrl: 'https://links.test' }).reply.elements);
    expect(card).toContain("2 storefront products can't be bought on Amazon");
    expect(card).toContain('1 unavailable, 1 out of stock');
    expect(card).not.toContain(stranger!.handle);
  });
});
