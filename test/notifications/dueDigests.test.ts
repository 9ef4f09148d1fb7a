import { afterAll, describe, expect, it } from 'vitest';
import { dueDigests } from '../../jobs/digest/dueDigests.ts';
import { subscribeDigest } from '../../src/domain/digest/subscriptions.ts';
import { resolveIdentity } from '../../src/domain/workspaces/identities.ts';
import { testDb, unique } from '../support/env.ts';

const db = testDb();
afterAll(() => db.destroy());

async function subscription(localTime: string, timezone: string, now: Date) {
  const identity = await resolveIdentity(db, { platform: 'slack', workspaceId: unique('T'), userId: unique('U'), platformAdmin: true });
  const sub = await subscribeDigest(db, { organisationId: identity.organisationId, identityId: identity.id, localTime, timezone, channelId: null, now });
  return sub.id;
}

/** A manager's subscription, and a way to change its time or zone later, as /digest subscribe does again. */
async function subscriber(localTime: string, timezone: string, now: Date) {
  const identity = await resolveIdentity(db, { platform: 'slack', workspaceId: unique('T'), userId: unique('U'), platformAdmin: true });
  const subscribe = (time: string, zone: string, at: Date) =>
    subscribeDigest(db, { organisationId: identity.organisationId, identityId: identity.id, localTime: time, timezone: zone, channelId: null, now: at });
  const { id } = await subscribe(localTime, timezone, now);
  return { id, change: subscribe };
}

/** Sends whatever is due at each minute from `from` for `minutes`, as the digest job does; the local days sent. */
async function sendEveryMinute(id: number, from: string, minutes: number): Promise<Array<{ localDate: string; at: string }>> {
  const sent: Array<{ localDate: string; at: string }> = [];
  for (let m = 0; m < minutes; m++) {
    const at = new Date(Date.parse(from) + m * 60_000);
    for (const d of await dueDigests(db, at)) {
      if (d.subscriptionId !== id) continue;
      sent.push({ localDate: d.localDate, at: at.toISOString() });
      await db.updateTable('digest_subscriptions').set({ last_sent_local_date: d.localDate }).where('id', '=', id).execute();
    }
  }
  return sent;
}

const dueAt = async (id: number, at: string) => (await dueDigests(db, new Date(at))).filter((d) => d.subscriptionId === id);

describe('when digests come due', () => {
  it('then a 09:00 New York digest is due from 09:00 local on each day, across the spring daylight-saving change', async () => {
    const id = await subscription('09:00', 'America/New_York', new Date('2026-03-06T12:00:00Z'));
    // 2026-03-07 is EST (UTC-5): 09:00 local = 14:00 UTC.
    expect(await dueAt(id, '2026-03-07T13:59:00Z')).toEqual([]);
    expect(await dueAt(id, '2026-03-07T14:00:00Z')).toEqual([{ subscriptionId: id, localDate: '2026-03-07' }]);
    await db.updateTable('digest_subscriptions').set({ last_sent_local_date: '2026-03-07' }).where('id', '=', id).execute();
    expect(await dueAt(id, '2026-03-07T20:00:00Z')).toEqual([]);
    // 2026-03-08 is the first day of EDT (UTC-4): 09:00 local = 13:00 UTC.
    expect(await dueAt(id, '2026-03-08T12:59:00Z')).toEqual([]);
    expect(await dueAt(id, '2026-03-08T13:00:00Z')).toEqual([{ subscriptionId: id, localDate: '2026-03-08' }]);
  });

  it('then a time that does not exist on the change day is sent once, just after the jump', async () => {
    const id = await subscription('02:30', 'America/New_York', new Date('2026-03-06T12:00:00Z'));
    const sent: string[] = [];
    for (let m = 0; m < 24 * 60; m += 10) {
      const at = new Date(Date.parse('2026-03-08T05:00:00Z') + m * 60_000);
      for (const d of await dueDigests(db, at)) {
        if (d.subscriptionId !== id) continue;
        sent.push(d.localDate);
        await db.updateTable('digest_subscriptions').set({ last_sent_local_date: d.localDate }).where('id', '=', id).execute();
      }
    }
    expect(sent).toEqual(['2026-03-08']);
  });

  it('then subscribing after today’s time starts tomorrow, and an outage is caught up within the day only', async () => {
    const id = await subscription('09:00', 'Europe/Berlin', new Date('2026-06-10T09:00:00Z')); // 11:00 in Berlin
    expect(await dueAt(id, '2026-06-10T10:00:00Z')).toEqual([]);
    expect(await dueAt(id, '2026-06-11T10:00:00Z')).toEqual([{ subscriptionId: id, localDate: '2026-06-11' }]); // an hour late: still sent
    expect(await dueAt(id, '2026-06-11T21:30:00Z')).toEqual([]); // more than 12 h late: skipped, tomorrow comes
  });

  it('then moving the time later the same day, after subscribing past today’s time, sends today’s digest at the new time', async () => {
    // Subscribed at 00:10 UTC for 00:05 (already past): starts tomorrow. Moved to 00:18 at 00:12: today's goes at 00:18.
    const sub = await subscriber('00:05', 'UTC', new Date('2026-06-10T00:10:00Z'));
    expect(await dueAt(sub.id, '2026-06-10T00:11:00Z')).toEqual([]);
    await sub.change('00:18', 'UTC', new Date('2026-06-10T00:12:00Z'));
    expect(await sendEveryMinute(sub.id, '2026-06-10T00:12:00Z', 24 * 60)).toEqual([{ localDate: '2026-06-10', at: '2026-06-10T00:18:00.000Z' }]);
  });

  it('then moving the time after today’s digest went out does not send it twice, and moving it to a time already past starts tomorrow', async () => {
    const sub = await subscriber('08:00', 'Europe/London', new Date('2026-06-09T12:00:00Z'));
    expect(await sendEveryMinute(sub.id, '2026-06-10T06:55:00Z', 10)).toEqual([{ localDate: '2026-06-10', at: '2026-06-10T07:00:00.000Z' }]); // 08:00 BST
    await sub.change('20:00', 'Europe/London', new Date('2026-06-10T08:00:00Z'));
    expect(await dueAt(sub.id, '2026-06-10T19:30:00Z')).toEqual([]);
    await sub.change('07:00', 'Europe/London', new Date('2026-06-10T20:00:00Z'));
    expect(await sendEveryMinute(sub.id, '2026-06-10T20:00:00Z', 12 * 60)).toEqual([{ localDate: '2026-06-11', at: '2026-06-11T06:00:00.000Z' }]);
  });

  it('then around local midnight and a daylight-saving change, the day is the subscriber’s local day', async () => {
    // Sydney leaves daylight time on 2026-04-05 (03:00 AEDT → 02:00 AEST). At 23:50 on the 4th (local), 00:30 is ahead.
    const sub = await subscriber('23:00', 'Australia/Sydney', new Date('2026-04-04T12:50:00Z')); // 23:50 local, 23:00 passed
    await sub.change('00:30', 'Australia/Sydney', new Date('2026-04-04T12:55:00Z')); // still the 4th locally: 00:30 passed
    const sent = await sendEveryMinute(sub.id, '2026-04-04T12:55:00Z', 30 * 60);
    // 00:30 AEDT on the 5th is 13:30 UTC on the 4th; on the 6th (AEST) 00:30 is 14:30 UTC on the 5th.
    expect(sent).toEqual([
      { localDate: '2026-04-05', at: '2026-04-04T13:30:00.000Z' },
      { localDate: '2026-04-06', at: '2026-04-05T14:30:00.000Z' },
    ]);
  });

  it('then an unsubscribed manager gets nothing', async () => {
    const id = await subscription('09:00', 'UTC', new Date('2026-06-01T00:00:00Z'));
    await db.updateTable('digest_subscriptions').set({ enabled: false }).where('id', '=', id).execute();
    expect(await dueAt(id, '2026-06-01T09:30:00Z')).toEqual([]);
  });
});
