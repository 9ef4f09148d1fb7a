import { afterAll, describe, expect, it } from 'vitest';
import { testDb, unique } from '../support/env.ts';
import { organisationOf } from '../support/fixtures.ts';
import { newWorkspace, run } from '../support/commands.ts';
import { cardAttachments } from '../../src/cards/card.ts';

const db = testDb();
afterAll(() => db.destroy());

describe('when a manager types /digest now', () => {
  it('then the reply is the full digest card in their time zone, in short phrases, carrying the chart and the CSV', async () => {
    const ws = newWorkspace();
    const member = ws.person();
    const handle = unique('dn');
    await run(db, member, 'storefront', `setup ${handle} ${handle}-20`);
    const { id } = await db.selectFrom('influencers').select('id').where('handle', '=', handle).executeTakeFirstOrThrow();
    // 23:30 on Saturday 14 March in New York is already Sunday in UTC: it belongs to the manager's yesterday.
    await db
      .insertInto('ledger_entries')
      .values({
        network: 'amazon',
        line_key: unique('k'),
        kind: 'confirmed',
        report_type: 'earnings',
        tracking_id: `${handle}-20`,
        influencer_id: id,
        organisation_id: organisationOf(id),
        marketplace: 'US',
        occurred_at: new Date('2026-03-15T03:30:00Z'),
        quantity: 2,
        amount_minor: 4321,
        currency: 'USD',
        asin: null,
        product_name: null,
        category: null,
        ingest_id: null,
        link_id: null,
        reverses_entry_id: null,
      })
      .execute();
    const manager = ws.person({ admin: true, timezone: 'America/New_York' });

    const r = await run(db, manager, 'digest', 'now', { now: new Date('2026-03-15T14:00:00Z') });
    expect(r).toMatchObject({ visibility: 'ephemeral', title: 'Team digest · 2026-03-14' });
    expect(r.text).toBe('Yesterday (Sat) $43.21 confirmed (— vs Fri), 0 clicks, 2 orders.');
    expect(r.fields).toContainEqual({ label: 'Confirmed yesterday', value: '$43.21 (— vs Fri, — vs last Sat)', inline: true });
    expect(r.sections?.[0]?.lines).toEqual([{ text: `@${handle}`, detail: '$43.21 yesterday (— vs Fri), 2 orders · $43.21 this month' }]);
    expect(r.footer).toContain('The chart shows the last 30 days by influencer; the CSV has the full table.');
    expect(cardAttachments(r.card).map((f) => f.name)).toEqual(['digest-2026-03-14.png', 'digest-2026-03-14.csv']);

    // A UTC manager's yesterday (Sunday 15 March has not ended) does not include it: a quiet day, said in one line.
    const utc = ws.person({ admin: true, timezone: 'UTC' });
    const quiet = await run(db, utc, 'digest', 'now', { now: new Date('2026-03-15T14:00:00Z') });
    expect(quiet.text).toMatch(/^Quiet day: no clicks, orders or commission on Sat 2026-03-14 across 1 influencer: @\S+\.$/);
    expect(cardAttachments(quiet.card)).toEqual([]);
  });
});
