// Every click and click rollup row carries its link's organisation (the key a sharded Postgres distributes by, next
// to the ledger): written by the click buffer from the link, and by the rollup refresh from the clicks. A click of a
// link deleted before its batch is written is left out instead of blocking the buffer.
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { ClickBuffer } from '../../src/domain/clicks/clickBuffer.ts';
import { RepeatDetector } from '../../src/domain/clicks/repeatDetector.ts';
import { testDb } from '../support/env.ts';
import { seedInfluencer, seedLink } from '../support/fixtures.ts';
import { refreshClicksUntil } from './support.ts';

const db = testDb();
afterAll(() => db.destroy());

const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

function newBuffer(errors: unknown[]) {
  return new ClickBuffer({
    db,
    repeats: new RepeatDetector(undefined, 'organisations'),
    secret: 'test-secret-test-secret',
    flushMs: 60_000,
    batchSize: 50,
    onError: (err) => errors.push(err),
  });
}

describe('when clicks of two organisations are written and rolled up', () => {
  it("then each click and each rollup row holds its link's organisation", async () => {
    const a = await seedInfluencer(db);
    const b = await seedInfluencer(db);
    const linkA = (await seedLink(db, a.influencer.id)).link;
    const linkB = (await seedLink(db, b.influencer.id)).link;
    const errors: unknown[] = [];
    const buffer = newBuffer(errors);
    for (let i = 0; i < 6; i++) {
      for (const link of [linkA, linkB])
        buffer.push({ linkId: link.id, at: new Date(), ip: `203.0.113.${i}`, userAgent: BROWSER, referer: undefined, country: null });
    }
    expect(await buffer.stop()).toBe(0);
    expect(errors).toEqual([]);

    const clicks = await db.selectFrom('clicks').select(['link_id', 'organisation_id']).where('link_id', 'in', [linkA.id, linkB.id]).execute();
    expect(clicks).toHaveLength(12);
    for (const c of clicks) expect(c.organisation_id).toBe(c.link_id === linkA.id ? a.influencer.organisationId : b.influencer.organisationId);

    const top = await sql<{ id: string }>`SELECT max(id) AS id FROM clicks`.execute(db);
    await refreshClicksUntil(db, Number(top.rows[0]!.id));
    const rows = await db
      .selectFrom('click_rollups')
      .select(['influencer_id', 'organisation_id', 'grain'])
      .where('influencer_id', 'in', [a.influencer.id, b.influencer.id])
      .execute();
    // Hour, day, month, year and all-time rows, for the influencer and for its link.
    expect(rows.length).toBeGreaterThanOrEqual(2 * 2 * 5);
    for (const r of rows) expect(r.organisation_id).toBe(r.influencer_id === a.influencer.id ? a.influencer.organisationId : b.influencer.organisationId);
  });

  it('then a click whose link was deleted before the write is left out, and the clicks with it are written', async () => {
    const { influencer } = await seedInfluencer(db);
    const kept = (await seedLink(db, influencer.id)).link;
    const gone = (await seedLink(db, influencer.id)).link;
    const errors: unknown[] = [];
    const buffer = newBuffer(errors);
    buffer.push({ linkId: gone.id, at: new Date(), ip: '203.0.113.50', userAgent: BROWSER, referer: undefined, country: null });
    buffer.push({ linkId: kept.id, at: new Date(), ip: '203.0.113.51', userAgent: BROWSER, referer: undefined, country: null });
    await db.deleteFrom('links').where('id', '=', gone.id).execute();
    expect(await buffer.stop()).toBe(0);
    expect(errors).toEqual([]);
    expect(await db.selectFrom('clicks').select('organisation_id').where('link_id', '=', kept.id).execute()).toEqual([
      { organisation_id: influencer.organisationId },
    ]);
    expect(await db.selectFrom('clicks').select('id').where('link_id', '=', gone.id).execute()).toEqual([]);
  });
});
