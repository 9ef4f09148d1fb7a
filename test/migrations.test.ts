// Migrations on a database of their own: a database that ran a later migration before an earlier-named one was
// merged still migrates, and every migration can be undone and redone.
import { Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrations } from '../migrations/index.ts';
import { ensureDatabase, migrateToLatest } from '../src/db/migrate.ts';
import { createDb } from '../src/db/database.ts';
import { fillClickOrganisations, requireClickOrganisations } from '../src/domain/clicks/clickOrganisationFill.ts';
import { privateDatabase } from './support/privateDatabase.ts';

const { url, db } = privateDatabase('migr');

const tables = async () =>
  (await sql<{ t: string }>`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`.execute(db)).rows.map((r) => r.t);

describe('when the database is migrated', () => {
  it('then a migration merged after a later-named one had run is still applied, and down then up restores the same tables', async () => {
    await ensureDatabase(url);
    const names = Object.keys(migrations).sort();
    // One that no later migration builds on (the click batch ids), as a branch merged late would be.
    const skipped = '2026-12-06T09-00-00_click_batches';
    expect(names).toContain(skipped);
    const without = Object.fromEntries(Object.entries(migrations).filter(([name]) => name !== skipped));
    await migrateToLatest(db, without);
    const done = await migrateToLatest(db);
    expect(done.results?.map((r) => [r.migrationName, r.status])).toEqual([[skipped, 'Success']]);
    const full = await tables();

    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations }, allowUnorderedMigrations: true });
    for (let i = 0; i < names.length; i++) {
      const r = await migrator.migrateDown();
      expect(r.error).toBeUndefined();
    }
    expect((await tables()).filter((t) => !t.startsWith('kysely_'))).toEqual([]);
    await migrateToLatest(db);
    expect(await tables()).toEqual(full);
  }, 60_000);
});

describe('when a database from before organisation ownership is migrated', () => {
  const { url: url2, db: old } = privateDatabase('migo');

  it('then each ingest and line belongs to the organisation of the influencers holding its lines, and the rest to a default organisation', async () => {
    await ensureDatabase(url2);
    const OWNERSHIP = '2026-12-03T08-00-00_organisation_ownership';
    const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < OWNERSHIP));
    await migrateToLatest(old, before);
    const q = (s: ReturnType<typeof sql>) => s.execute(old);
    const orgX = (await sql<{ id: string }>`INSERT INTO organisations (name) VALUES ('X') RETURNING id`.execute(old)).rows[0]!.id;
    const orgY = (await sql<{ id: string }>`INSERT INTO organisations (name) VALUES ('Y') RETURNING id`.execute(old)).rows[0]!.id;
    const inf = (
      await sql<{ id: string }>`INSERT INTO influencers (organisation_id, handle, display_name) VALUES (${orgX}, 'mig', 'Mig') RETURNING id`.execute(old)
    ).rows[0]!.id;
    await q(sql`INSERT INTO tracking_ids (tracking_id, marketplace, influencer_id, is_default) VALUES ('mig-20', 'US', ${inf}, true)`);
    const source = (
      await sql<{
        id: string;
      }>`INSERT INTO feed_sources (network, name, url, cron) VALUES ('amazon', 'shared', 'https://r.test/x.csv', '0 6 * * *') RETURNING id`.execute(old)
    ).rows[0]!.id;
    const g1 = (await sql<{ id: string }>`INSERT INTO feed_ingests (network, source) VALUES ('amazon', 'cli') RETURNING id`.execute(old)).rows[0]!.id;
    const g2 = (
      await sql<{ id: string }>`INSERT INTO feed_ingests (network, source, feed_source_id) VALUES ('amazon', 'poll', ${source}) RETURNING id`.execute(old)
    ).rows[0]!.id;
    const line = (ingest: string | null, tag: string, influencer: string | null, key: string) =>
      q(sql`INSERT INTO ledger_entries (ingest_id, network, line_key, kind, report_type, tracking_id, influencer_id, marketplace, occurred_at, amount_minor, currency)
            VALUES (${ingest}, 'amazon', ${key}, 'confirmed', 'earnings', ${tag}, ${influencer}, 'US', now(), 100, 'USD')`);
    await line(g1, 'mig-20', inf, 'a');
    await line(g1, 'nobody-20', null, 'b'); // unattributed, in an ingest whose other line is X's
    await line(g2, 'stray-20', null, 'c'); // an ingest nobody's lines are in
    await line(null, 'loose-20', null, 'd'); // no ingest at all

    await migrateToLatest(old);
    const ingests = (await sql<{ id: string; organisation_id: string }>`SELECT id, organisation_id FROM feed_ingests`.execute(old)).rows;
    const def = (await sql<{ id: string; name: string }>`SELECT id, name FROM organisations WHERE operator_default`.execute(old)).rows;
    expect(def).toEqual([{ id: expect.anything(), name: 'Default organisation' }]);
    expect(def[0]!.id).not.toBe(orgX);
    expect(def[0]!.id).not.toBe(orgY);
    expect(ingests.find((i) => i.id === g1)!.organisation_id).toBe(orgX);
    expect(ingests.find((i) => i.id === g2)!.organisation_id).toBe(def[0]!.id);
    const lines = (
      await sql<{ line_key: string; organisation_id: string }>`SELECT line_key, organisation_id FROM ledger_entries ORDER BY line_key`.execute(old)
    ).rows;
    expect(lines).toEqual([
      { line_key: 'a', organisation_id: orgX },
      { line_key: 'b', organisation_id: orgX },
      { line_key: 'c', organisation_id: def[0]!.id },
      { line_key: 'd', organisation_id: def[0]!.id },
    ]);
    expect((await sql<{ organisation_id: string }>`SELECT organisation_id FROM feed_sources`.execute(old)).rows).toEqual([{ organisation_id: def[0]!.id }]);
  }, 60_000);
});

describe('when a database from before clicks carried their organisation is migrated', () => {
  const { url: url3, db: old } = privateDatabase('migc');

  it("then the migration changes no row, and the background fill then gives every click and rollup row its link's organisation", async () => {
    await ensureDatabase(url3);
    const CLICK_ORGS = '2026-12-07T09-00-00_click_organisations';
    await migrateToLatest(old, Object.fromEntries(Object.entries(migrations).filter(([name]) => name < CLICK_ORGS)));
    const one = async (q: ReturnType<typeof sql<{ id: string }>>) => (await q.execute(old)).rows[0]!.id;
    const orgs = [
      await one(sql`INSERT INTO organisations (name) VALUES ('X') RETURNING id`),
      await one(sql`INSERT INTO organisations (name) VALUES ('Y') RETURNING id`),
    ];
    const product = await one(sql`INSERT INTO products (marketplace, asin) VALUES ('US', 'B000000001') RETURNING id`);
    const links: string[] = [];
    for (const [i, org] of orgs.entries()) {
      const inf = await one(sql`INSERT INTO influencers (organisation_id, handle, display_name) VALUES (${org}, ${`migc${i}`}, 'M') RETURNING id`);
      const tag = await one(
        sql`INSERT INTO tracking_ids (tracking_id, marketplace, influencer_id, is_default) VALUES (${`migc${i}-20`}, 'US', ${inf}, true) RETURNING id`,
      );
      links.push(
        await one(sql`INSERT INTO links (code, influencer_id, product_id, tracking_id_id, destination_url)
                      VALUES (${`migc000${i}`}, ${inf}, ${product}, ${tag}, 'https://www.amazon.com/dp/B000000001') RETURNING id`),
      );
      await sql`INSERT INTO clicks (link_id, clicked_at, kind, device, visitor_hash) SELECT ${links[i]}, now() - g * interval '1 day', 'click', 'mobile', 'v'
                  FROM generate_series(1, 3) g`.execute(old);
    }
    await sql`INSERT INTO click_rollups (grain, bucket, influencer_id, link_id, clicks, repeats, previews, bots, clicks_q1, clicks_q2, clicks_q3,
                repeats_q1, repeats_q2, repeats_q3, previews_q1, previews_q2, previews_q3, bots_q1, bots_q2, bots_q3)
              SELECT 'all', '-infinity', k.influencer_id, k.id, count(*), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM clicks c JOIN links k ON k.id = c.link_id GROUP BY 3, 4`.execute(
      old,
    );

    await migrateToLatest(old);
    const byOrg = async (table: 'clicks' | 'click_rollups') =>
      (
        await sql<{ org: string | null; n: string }>`SELECT organisation_id AS org, count(*) AS n FROM ${sql.table(table)} GROUP BY 1 ORDER BY 1`.execute(old)
      ).rows.map((r) => [r.org === null ? null : Number(r.org), Number(r.n)]);
    expect(await byOrg('clicks')).toEqual([[null, 6]]);
    expect(await byOrg('click_rollups')).toEqual([[null, 2]]);
    // A web process of the previous release, still running during the deploy, writes a click without it: filled.
    await sql`INSERT INTO clicks (link_id, clicked_at, kind, device, visitor_hash) VALUES (${links[1]}, now(), 'click', 'mobile', 'v')`.execute(old);

    // A run that may start one batch at a time resumes where the last one stopped.
    const first = await fillClickOrganisations(old, { budgetMs: 0, clickBatch: 2 });
    expect(first).toEqual({ clicks: 2, rollups: 0, done: false });
    let last = first;
    for (let i = 0; i < 10 && !last.done; i++) last = await fillClickOrganisations(old, { budgetMs: 0, clickBatch: 2, influencerBatch: 1 });
    expect(last.done).toBe(true);
    expect(await byOrg('clicks')).toEqual([
      [Number(orgs[0]), 3],
      [Number(orgs[1]), 4],
    ]);
    expect(await byOrg('click_rollups')).toEqual([
      [Number(orgs[0]), 1],
      [Number(orgs[1]), 1],
    ]);
    expect(await fillClickOrganisations(old)).toEqual({ clicks: 0, rollups: 0, done: true });
  }, 60_000);

  it('then, once filled, the organisation becomes required, without making click writes wait behind a long reader', async () => {
    const required = async () =>
      (
        await sql<{ table: string; required: boolean }>`
          SELECT attrelid::regclass::text AS table, attnotnull AS required FROM pg_attribute
           WHERE attrelid IN ('clicks'::regclass, 'click_rollups'::regclass) AND attname = 'organisation_id' ORDER BY 1`.execute(old)
      ).rows;
    const link = (await sql<{ id: string }>`SELECT min(id) AS id FROM links`.execute(old)).rows[0]!.id;
    // A report being read holds the clicks table: the change gives up after its lock timeout and leaves it as it was.
    const readerDb = createDb(url3, 1);
    try {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let reading!: () => void;
      const started = new Promise<void>((r) => (reading = r));
      const reader = readerDb.transaction().execute(async (trx) => {
        await sql`SELECT count(*) FROM clicks`.execute(trx);
        reading();
        await held;
      });
      await started;
      expect(await requireClickOrganisations(old, { lockTimeoutMs: 200 })).toEqual(['click_rollups']);
      // Clicks are still written meanwhile.
      await sql`INSERT INTO clicks (link_id, clicked_at, kind, device, visitor_hash) VALUES (${link}, now(), 'click', 'mobile', 'v')`.execute(old);
      release();
      await reader;
    } finally {
      await readerDb.destroy();
    }
    expect(await required()).toEqual([
      { table: 'click_rollups', required: true },
      { table: 'clicks', required: false },
    ]);
    expect(await requireClickOrganisations(old)).toEqual(['clicks']);
    expect(await required()).toEqual([
      { table: 'click_rollups', required: true },
      { table: 'clicks', required: true },
    ]);
    expect(await requireClickOrganisations(old)).toEqual([]);
    // No check is left behind, a process of the previous release still writes (the trigger fills the column), and a
    // row of no known influencer is refused.
    expect(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM pg_constraint WHERE conname LIKE '%organisation_present'`.execute(old)).rows[0]!.n)).toBe(
      0,
    );
    await sql`INSERT INTO clicks (link_id, clicked_at, kind, device, visitor_hash) VALUES (${link}, now(), 'click', 'mobile', 'v')`.execute(old);
    await expect(
      sql`INSERT INTO click_rollups (grain, bucket, influencer_id, link_id, clicks, repeats, previews, bots, clicks_q1, clicks_q2, clicks_q3,
            repeats_q1, repeats_q2, repeats_q3, previews_q1, previews_q2, previews_q3, bots_q1, bots_q2, bots_q3)
          VALUES ('all', '-infinity', -1, NULL, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)`.execute(old),
    ).rejects.toThrow(/organisation_id/);
  }, 60_000);
});
