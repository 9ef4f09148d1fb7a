import { afterAll, describe, expect, it } from 'vitest';
import { dueDigests } from '../../jobs/digest/dueDigests.ts';
import { subscribeDigest } from '../../src/domain/digest/subscriptions.ts';
import { resolveIdentity } from '../../src/domain/identities.ts';
import { testDb, unique } from '../support/env.ts';

const db = testDb();
afterAll(() => db.destroy());

async function subscription(localTime: string, timezone: string, now: Date) {
  const identity = await resolveIdentity(db, { platform: 'slack', workspaceId: unique('T'), userId: unique('U'), platformAdmin: true });
  const sub = await subscribeDigest(db, { organisationId: identity.organisationId, identityId: identity.id, localTime, timezone, channelId: null, now });
  return sub.id;
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

  it('then an unsubscribed manager gets nothing', async () => {
    const id = await subscription('09:00', 'UTC', new Date('2026-06-01T00:00:00Z'));
    await db.updateTable('digest_subscriptions').set({ enabled: false }).where('id', '=', id).execute();
    expect(await dueAt(id, '2026-06-01T09:30:00Z')).toEqual([]);
  });
});
