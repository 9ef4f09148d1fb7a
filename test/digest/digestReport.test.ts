import { afterAll, describe, expect, it } from 'vitest';
import { buildDigest, type InfluencerFigures } from '../../src/domain/digest/digestReport.ts';
import { testDb, unique } from '../support/env.ts';
import { addClicks, addInfluencers, addLedger, newOrganisation } from './seed.ts';

const db = testDb();
afterAll(() => db.destroy());

const NY = 'America/New_York';
// Monday 2026-03-09, 09:00 in New York. Yesterday, Sunday 2026-03-08, is the 23-hour day clocks sprang
// forward: it runs from 05:00Z (midnight EST) to 04:00Z the next day (midnight EDT).
const MONDAY_AFTER_DST = new Date('2026-03-09T13:00:00Z');

const byId = (list: InfluencerFigures[], id: number) => list.find((i) => i.influencerId === id)!;

describe('when a manager in New York reads the digest the morning after clocks sprang forward', () => {
  it('then yesterday runs from local midnight to local midnight, and month to date from the first of the month', async () => {
    const org = await newOrganisation(db);
    const [a] = await addInfluencers(db, org, 1);
    const owner = { influencerId: a!.id, trackingId: a!.trackingId, asin: a!.asin };
    await addLedger(db, owner, [
      { kind: 'confirmed', amount: 100, at: '2026-03-08T04:59:00Z' }, // Sat 23:59 EST: the day before
      { kind: 'confirmed', amount: 200, at: '2026-03-08T05:00:00Z' }, // Sun 00:00 EST: yesterday
      { kind: 'confirmed', amount: 400, at: '2026-03-09T03:59:00Z' }, // Sun 23:59 EDT: yesterday
      { kind: 'confirmed', amount: 800, at: '2026-03-09T04:30:00Z' }, // Mon 00:30 EDT: today, not in the digest
      { kind: 'confirmed', amount: 1600, at: '2026-03-01T05:00:00Z' }, // Sun 1 March 00:00 EST: same weekday last week
      { kind: 'confirmed', amount: 3200, at: '2026-03-01T04:59:00Z' }, // 28 February 23:59 EST: last month
    ]);
    await addClicks(db, a!.linkId, '2026-03-08T04:59:00Z', 1); // the day before
    await addClicks(db, a!.linkId, '2026-03-08T05:00:00Z', 2);
    await addClicks(db, a!.linkId, '2026-03-09T03:59:00Z', 3);
    await addClicks(db, a!.linkId, '2026-03-09T04:00:00Z', 50); // today
    await addClicks(db, a!.linkId, '2026-03-01T06:00:00Z', 4); // same weekday last week

    const r = await buildDigest(db, org, { timezone: NY, now: MONDAY_AFTER_DST });
    expect(r).toMatchObject({
      date: '2026-03-08',
      dayBefore: '2026-03-07',
      weekAgo: '2026-03-01',
      monthStart: '2026-03-01',
      timezone: NY,
      primaryCurrency: 'USD',
    });
    expect(r.windows.yesterday.from.toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(r.windows.yesterday.to.toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(r.windows.monthToDate.from.toISOString()).toBe('2026-03-01T05:00:00.000Z');

    const me = byId(r.influencers, a!.id);
    expect(me.money).toEqual([
      {
        currency: 'USD',
        yesterday: { confirmed: 600, pending: 0, reversed: 0, bounty: 0 },
        monthToDate: { confirmed: 2300, pending: 0, reversed: 0, bounty: 0 },
        dayBeforeConfirmed: 100,
        weekAgoConfirmed: 1600,
      },
    ]);
    expect(me.yesterday.clicks).toBe(5);
    expect(me.clicksDayBefore).toBe(1);
    expect(me.clicksWeekAgo).toBe(4);
    expect(me.monthToDate.clicks).toBe(10);

    // The chart's days follow local midnight too.
    expect(r.series.days).toHaveLength(30);
    expect(r.series.days.at(-1)).toMatchObject({ date: '2026-03-08', commissionMinor: 600, clicks: 5 });
    expect(r.series.days.at(-2)).toMatchObject({ date: '2026-03-07', commissionMinor: 100, clicks: 1 });
    expect(r.series.days.find((d) => d.date === '2026-02-28')).toMatchObject({ date: '2026-02-28', commissionMinor: 3200, clicks: 0 });
    expect(r.series.days[0]!.date).toBe('2026-02-07');
  });

  it('then the 25-hour day when clocks fall back is counted whole', async () => {
    const org = await newOrganisation(db);
    const [a] = await addInfluencers(db, org, 1);
    await addLedger(db, { influencerId: a!.id, trackingId: a!.trackingId }, [
      { kind: 'confirmed', amount: 10, at: '2026-11-01T04:00:00Z' }, // Sun 1 November 00:00 EDT
      { kind: 'confirmed', amount: 20, at: '2026-11-02T04:30:00Z' }, // Sun 23:30 EST (the 25th hour)
      { kind: 'confirmed', amount: 40, at: '2026-11-02T05:00:00Z' }, // Mon 00:00 EST: today
    ]);
    const r = await buildDigest(db, org, { timezone: NY, now: new Date('2026-11-02T14:00:00Z') });
    expect(r.date).toBe('2026-11-01');
    expect(r.windows.yesterday.to.getTime() - r.windows.yesterday.from.getTime()).toBe(25 * 3600_000);
    expect(byId(r.influencers, a!.id).money[0]!.yesterday.confirmed).toBe(30);
  });
});

describe('when the digest counts money, orders and clicks', () => {
  const NOW = new Date('2026-03-15T14:00:00Z'); // yesterday is Saturday 2026-03-14 in New York
  const Y = '2026-03-14T16:00:00Z';

  it('then pending is net of released estimates, bounties count as confirmed, returns as reversed, and orders are items ordered', async () => {
    const org = await newOrganisation(db);
    const [a] = await addInfluencers(db, org, 1);
    const owner = { influencerId: a!.id, trackingId: a!.trackingId, asin: a!.asin };
    const [released] = await addLedger(db, owner, [{ kind: 'pending', amount: 500, at: Y, quantity: 2 }]);
    await addLedger(db, owner, [
      { kind: 'pending', amount: -500, at: Y, quantity: -2, reportType: 'release', reversesEntryId: released! },
      { kind: 'pending', amount: 300, at: Y, quantity: 1 },
      { kind: 'confirmed', amount: 450, at: Y, quantity: 2 },
      { kind: 'bounty', amount: 1000, at: Y, asin: null },
      { kind: 'reversal', amount: -150, at: Y, quantity: -1 },
    ]);
    await addClicks(db, a!.linkId, Y, 4);
    await addClicks(db, a!.linkId, Y, 3, 'repeat');
    await addClicks(db, a!.linkId, Y, 2, 'preview');
    await addClicks(db, a!.linkId, Y, 1, 'bot');

    const r = await buildDigest(db, org, { timezone: NY, now: NOW });
    const me = byId(r.influencers, a!.id);
    expect(me.money[0]!.yesterday).toEqual({ confirmed: 1450, pending: 300, reversed: -150, bounty: 1000 });
    // The released estimate was still an order: 2 + 1 items ordered, 3 orders from 4 clicks.
    expect(me.yesterday).toMatchObject({
      clicks: 4,
      repeats: 3,
      previews: 2,
      bots: 1,
      orders: 3,
      ordersFromOrderLines: true,
      itemsShipped: 2,
      itemsReturned: 1,
    });
    expect(me.yesterday.conversion).toEqual({ orders: 3, clicks: 4, basisPoints: 7500 });
  });

  it('then an influencer with earnings reports only counts shipped items as orders, and no clicks means no conversion rather than a division by zero', async () => {
    const org = await newOrganisation(db);
    const [shipper, idle] = await addInfluencers(db, org, 2);
    await addLedger(db, { influencerId: shipper!.id, trackingId: shipper!.trackingId }, [{ kind: 'confirmed', amount: 900, at: Y, quantity: 3 }]);
    const r = await buildDigest(db, org, { timezone: NY, now: NOW });
    expect(byId(r.influencers, shipper!.id).yesterday).toMatchObject({
      orders: 3,
      ordersFromOrderLines: false,
      clicks: 0,
      conversion: { orders: 3, clicks: 0, basisPoints: null },
    });
    expect(byId(r.influencers, idle!.id)).toMatchObject({ money: [], yesterday: { clicks: 0, orders: 0, conversion: { basisPoints: null } } });
    // The roster's total sums each influencer's orders.
    expect(r.totals.yesterday.orders).toBe(3);
  });

  it('then each currency is kept apart and the ranking follows month-to-date confirmed', async () => {
    const org = await newOrganisation(db);
    const [low, high, euro] = await addInfluencers(db, org, 3);
    await addLedger(db, { influencerId: low!.id, trackingId: low!.trackingId }, [{ kind: 'confirmed', amount: 100, at: '2026-03-02T16:00:00Z' }]);
    await addLedger(db, { influencerId: high!.id, trackingId: high!.trackingId }, [{ kind: 'confirmed', amount: 9000, at: '2026-03-03T16:00:00Z' }]);
    await addLedger(db, { influencerId: euro!.id, trackingId: euro!.trackingId }, [{ kind: 'confirmed', amount: 50_000, at: Y, currency: 'EUR' }]);
    const r = await buildDigest(db, org, { timezone: NY, now: NOW });
    expect(r.currencies).toEqual(['EUR', 'USD']);
    expect(r.totals.money.map((m) => [m.currency, m.monthToDate.confirmed])).toEqual([
      ['EUR', 50_000],
      ['USD', 9100],
    ]);
    // EUR has more confirmed, so it is the chart's currency and leads the ranking.
    expect(r.primaryCurrency).toBe('EUR');
    expect(r.series.currency).toBe('EUR');
    expect(r.influencers.map((i) => i.influencerId)).toEqual([euro!.id, high!.id, low!.id]);
  });

  it('then only the organisation’s own influencers are in it', async () => {
    const org = await newOrganisation(db);
    const other = await newOrganisation(db);
    const [mine] = await addInfluencers(db, org, 1);
    const [theirs] = await addInfluencers(db, other, 1);
    await addLedger(db, { influencerId: theirs!.id, trackingId: theirs!.trackingId }, [{ kind: 'confirmed', amount: 99_999, at: Y }]);
    await addClicks(db, theirs!.linkId, Y, 40);
    const r = await buildDigest(db, org, { timezone: NY, now: NOW });
    expect(r.influencers.map((i) => i.influencerId)).toEqual([mine!.id]);
    expect(r.totals.money).toEqual([]);
    expect(r.totals.yesterday.clicks).toBe(0);
  });

  it('then top products rank by commission and top links by clicks, month to date', async () => {
    const org = await newOrganisation(db);
    const [a, b] = await addInfluencers(db, org, 2);
    await addLedger(db, { influencerId: a!.id, trackingId: a!.trackingId }, [
      { kind: 'confirmed', amount: 700, at: Y, asin: 'B0DGTOPAAA', productName: 'Desk lamp', quantity: 1 },
      { kind: 'pending', amount: 200, at: Y, asin: 'B0DGTOPAAA', productName: 'Desk lamp', quantity: 2 },
      { kind: 'confirmed', amount: 100, at: Y, asin: 'B0DGTOPBBB', productName: 'Pencil', quantity: 5 },
      { kind: 'confirmed', amount: 5000, at: '2026-02-20T16:00:00Z', asin: 'B0DGTOPCCC', productName: 'Last month' },
    ]);
    await addLedger(db, { influencerId: b!.id, trackingId: b!.trackingId }, [
      { kind: 'confirmed', amount: 300, at: Y, asin: 'B0DGTOPAAA', productName: 'Desk lamp' },
    ]);
    await addClicks(db, a!.linkId, Y, 3);
    await addClicks(db, b!.linkId, '2026-03-10T16:00:00Z', 9);
    await addClicks(db, b!.linkId, Y, 2, 'bot');

    const r = await buildDigest(db, org, { timezone: NY, now: NOW, topN: 2 });
    expect(r.topProducts).toEqual([
      { asin: 'B0DGTOPAAA', name: 'Desk lamp', currency: 'USD', confirmed: 1000, pending: 200, orders: 2, influencers: 2 },
      { asin: 'B0DGTOPBBB', name: 'Pencil', currency: 'USD', confirmed: 100, pending: 0, orders: 5, influencers: 1 },
    ]);
    expect(r.topLinks.map((l) => [l.handle, l.clicksMonthToDate, l.clicksYesterday])).toEqual([
      [b!.handle, 9, 0],
      [a!.handle, 3, 3],
    ]);
  });
});

describe('when feeds carry tracking IDs nobody registered', () => {
  const NOW = new Date('2026-03-15T14:00:00Z');

  it('then recent ones of the organisation’s own ingests are listed, and old, registered or other organisations’ ones are not', async () => {
    const org = await newOrganisation(db);
    const other = await newOrganisation(db);
    const [registered] = await addInfluencers(db, org, 1);
    const [theirs] = await addInfluencers(db, other, 1);
    const source = async (organisationId: number) => {
      const s = await db
        .insertInto('feed_sources')
        .values({
          organisation_id: organisationId,
          network: 'amazon',
          name: unique('src'),
          url: 'https://feeds.test/r.csv',
          cron: '0 6 * * *',
          marketplace: 'US',
          headers: null,
          last_polled_at: null,
          last_success_at: NOW,
          last_error: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const i = await db
        .insertInto('feed_ingests')
        .values({
          organisation_id: organisationId,
          network: 'amazon',
          source: 'poll',
          feed_source_id: s.id,
          marketplace: 'US',
          file_name: null,
          file_path: null,
          file_sha256: null,
          byte_size: null,
          error: null,
          started_at: null,
          finished_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return i.id;
    };
    const ownIngest = await source(org);
    const foreignIngest = await source(other);
    const cli = unique('cli').toLowerCase() + '-20';
    const own = unique('own').toLowerCase() + '-20';
    const old = unique('old').toLowerCase() + '-20';
    const foreign = unique('foreign').toLowerCase() + '-20';
    await addLedger(db, { influencerId: null, trackingId: cli, organisationId: org }, [
      { kind: 'confirmed', amount: 1234, at: '2026-03-12T10:00:00Z', createdAt: '2026-03-13T08:00:00Z' },
      { kind: 'pending', amount: 99, at: '2026-03-13T10:00:00Z', createdAt: '2026-03-14T08:00:00Z' },
    ]);
    await addLedger(db, { influencerId: null, trackingId: own, organisationId: org }, [
      { kind: 'confirmed', amount: 5, at: '2026-03-10T10:00:00Z', createdAt: '2026-03-11T08:00:00Z', ingestId: ownIngest },
    ]);
    await addLedger(db, { influencerId: null, trackingId: old, organisationId: org }, [
      { kind: 'confirmed', amount: 5, at: '2026-01-10T10:00:00Z', createdAt: '2026-02-01T08:00:00Z' },
    ]);
    await addLedger(db, { influencerId: null, trackingId: foreign, organisationId: other }, [
      { kind: 'confirmed', amount: 5, at: '2026-03-10T10:00:00Z', createdAt: '2026-03-11T08:00:00Z', ingestId: foreignIngest },
    ]);
    // Seen before its owner registered it: no longer unattributed.
    await addLedger(db, { influencerId: null, trackingId: registered!.trackingId, organisationId: org }, [
      { kind: 'confirmed', amount: 5, at: '2026-03-10T10:00:00Z', createdAt: '2026-03-11T08:00:00Z' },
    ]);
    // Held by another organisation's influencer, but these lines came in this organisation's report: its own, unregistered here.
    await addLedger(db, { influencerId: null, trackingId: theirs!.trackingId, organisationId: org }, [
      { kind: 'confirmed', amount: 7, at: '2026-03-10T10:00:00Z', createdAt: '2026-03-11T08:00:00Z', ingestId: ownIngest },
    ]);

    const r = await buildDigest(db, org, { timezone: NY, now: NOW });
    const ids = r.unattributed.map((u) => u.trackingId);
    expect(r.unattributed.find((u) => u.trackingId === cli)).toEqual({
      trackingId: cli,
      marketplaces: ['US'],
      lines: 2,
      lastSeenAt: new Date('2026-03-14T08:00:00Z'),
      money: [{ currency: 'USD', confirmed: 1234, pending: 99 }],
    });
    expect(ids).toContain(own);
    expect(ids).toContain(theirs!.trackingId);
    expect(ids).not.toContain(old);
    expect(ids).not.toContain(foreign);
    expect(ids).not.toContain(registered!.trackingId);
    // The other organisation's managers see its own line, and none of this organisation's.
    const seenThere = (await buildDigest(db, other, { timezone: NY, now: NOW })).unattributed.map((u) => u.trackingId);
    expect(seenThere).toContain(foreign);
    expect(seenThere).not.toContain(cli);
    expect(seenThere).not.toContain(own);
  });
});
