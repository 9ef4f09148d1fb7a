import { afterAll, describe, expect, it } from 'vitest';
import { testDb, unique } from '../support/env.ts';
import { organisationOf } from '../support/fixtures.ts';
import { newWorkspace, replyText, run } from '../support/commands.ts';

const db = testDb();
afterAll(() => db.destroy());

describe('when a manager types /digest now', () => {
  it('then the reply is the full digest card in their time zone, and says the chart and CSV come with the scheduled message', async () => {
    const ws = newWorkspace();
    const member = ws.person();
    const handle = unique('dn');
    await run(db, member, 'storefront', `setup ${handle} ${handle}-20`);
    const { id } = await db.selectFrom('influencers').select('id').where('handle', '=', handle).executeTakeFirstOrThrow();
    // 23:30 on Saturday 14 March in New York is already Sunday in UTC: it belongs to the manager's yesterday.
    await db
      .insertInto('ledger_entries')
      .values({ network: 'amazon', line_key: unique('k'), kind: 'confirmed', report_type: 'earnings', tracking_id: `${handle}-20`, influencer_id: id, organisation_id: organisationOf(id), marketplace: 'US', occurred_at: new Date('2026-03-15T03:30:00Z'), quantity: 2, amount_minor: 4321, currency: 'USD', asin: null, product_name: null, category: null, ingest_id: null, link_id: null, reverses_entry_id: null })
      .execute();
    const manager = ws.person({ admin: true, timezone: 'America/New_York' });

    const r = await run(db, manager, 'digest', 'now', { now: new Date('2026-03-15T14:00:00Z') });
    expect(r).toMatchObject({ visibility: 'ephemeral', title: 'Team digest · 2026-03-14' });
    expect(r.text).toBe('Sat 2026-03-14 for 1 influencer: $43.21 confirmed, 0 clicks, 2 orders.');
    expect(r.fields).toContainEqual({ label: 'Confirmed yesterday', value: '$43.21 (new vs Fri, new vs last Sat)', inline: true });
    expect(r.sections?.[0]?.lines).toEqual([{ text: `@${handle}`, detail: '$43.21 MTD · yesterday $43.21 new/new, 0 clicks ±0%/±0%, 2 orders —' }]);
    expect(r.footer).toContain('The chart of the last 30 days and the full table (CSV) come with the scheduled digest message: /digest subscribe.');

    // A UTC manager's yesterday (Sunday 15 March has not ended) does not include it.
    const utc = ws.person({ admin: true, timezone: 'UTC' });
    expect(replyText(await run(db, utc, 'digest', 'now', { now: new Date('2026-03-15T14:00:00Z') }))).toContain('for 1 influencer: $0.00 confirmed');
  });
});
