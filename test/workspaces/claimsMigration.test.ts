// The claims migration undone on a database that has claims: what was only claimed goes, links keep a tracking ID
// row, and a tracking ID is again one influencer's in its organisation (the index the earlier schema had).
import { Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.ts';
import { ensureDatabase, migrateToLatest } from '../../src/db/migrate.ts';
import { privateDatabase } from '../support/privateDatabase.ts';

const CLAIMS = '2026-12-03T12-00-00_tracking_id_claims';
const { url, db } = privateDatabase('migc');

describe('when the tracking ID claims migration is undone on a database with claims', () => {
  it('then claims that no link uses go, a claim links use becomes a holding if nobody holds it, links move to a holding, and it migrates up again', async () => {
    await ensureDatabase(url);
    await migrateToLatest(db);
    const q = <T>(s: ReturnType<typeof sql<T>>) => s.execute(db);
    const org = (await q(sql<{ id: string }>`INSERT INTO organisations (name) VALUES ('O') RETURNING id`)).rows[0]!.id;
    const influencer = async (handle: string) =>
      (await q(sql<{ id: string }>`INSERT INTO influencers (organisation_id, handle, display_name) VALUES (${org}, ${handle}, ${handle}) RETURNING id`))
        .rows[0]!.id;
    const [holder, rival, newcomer, idle] = [await influencer('holder'), await influencer('rival'), await influencer('newcomer'), await influencer('idle')];
    const tracking = async (tag: string, inf: string, verified: boolean, isDefault: boolean) =>
      (
        await q(
          sql<{
            id: string;
          }>`INSERT INTO tracking_ids (tracking_id, marketplace, influencer_id, is_default, verified) VALUES (${tag}, 'US', ${inf}, ${isDefault}, ${verified}) RETURNING id`,
        )
      ).rows[0]!.id;
    await tracking('held-20', holder, true, true);
    const rivalOwn = await tracking('rival-20', rival, true, true);
    const rivalClaim = await tracking('held-20', rival, false, false); // a dispute; the rival has a holding of their own
    const newcomerClaim = await tracking('lines-20', newcomer, false, true); // the newcomer's only tracking ID
    await tracking('other-20', idle, false, true); // a claim no link uses
    const product = (await q(sql<{ id: string }>`INSERT INTO products (asin, marketplace) VALUES ('B0MIGRATE1', 'US') RETURNING id`)).rows[0]!.id;
    const link = async (code: string, inf: string, row: string) =>
      q(
        sql`INSERT INTO links (code, influencer_id, product_id, tracking_id_id, destination_url) VALUES (${code}, ${inf}, ${product}, ${row}, 'https://www.amazon.com/dp/B0MIGRATE1')`,
      );
    await link('migA0001', rival, rivalClaim);
    await link('migB0001', newcomer, newcomerClaim);
    await q(sql`INSERT INTO ledger_entries (organisation_id, network, line_key, kind, report_type, tracking_id, influencer_id, marketplace, occurred_at, amount_minor, currency)
                VALUES (${org}, 'amazon', 'k1', 'confirmed', 'earnings', 'lines-20', NULL, 'US', now(), 100, 'USD')`);
    await q(
      sql`INSERT INTO tracking_id_claims (organisation_id, tracking_id, marketplace, claimant_influencer_id, tracking_id_row_id, reason) VALUES (${org}, 'lines-20', 'US', ${newcomer}, ${newcomerClaim}, 'has_lines')`,
    );

    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations }, allowUnorderedMigrations: true });
    // Down to the migration before it (later ones are undone first, in order).
    const down = await migrator.migrateTo('2026-12-03T08-00-00_organisation_ownership');
    expect(down.error).toBeUndefined();
    expect(down.results?.at(-1) && [down.results.at(-1)!.migrationName, down.results.at(-1)!.direction, down.results.at(-1)!.status]).toEqual([
      CLAIMS,
      'Down',
      'Success',
    ]);
    expect(down.results?.filter((r) => r.status !== 'Success')).toEqual([]);

    const rows = (
      await q(
        sql<{
          tracking_id: string;
          influencer_id: string;
          is_default: boolean;
        }>`SELECT tracking_id, influencer_id, is_default FROM tracking_ids ORDER BY tracking_id, influencer_id`,
      )
    ).rows;
    expect(rows).toEqual([
      { tracking_id: 'held-20', influencer_id: holder, is_default: true },
      { tracking_id: 'lines-20', influencer_id: newcomer, is_default: true },
      { tracking_id: 'rival-20', influencer_id: rival, is_default: true },
    ]);
    const links = (await q(sql<{ code: string; tracking_id_id: string }>`SELECT code, tracking_id_id FROM links ORDER BY code`)).rows;
    expect(links).toEqual([
      { code: 'migA0001', tracking_id_id: rivalOwn },
      { code: 'migB0001', tracking_id_id: newcomerClaim },
    ]);
    expect((await q(sql<{ influencer_id: string }>`SELECT influencer_id FROM ledger_entries WHERE line_key = 'k1'`)).rows).toEqual([
      { influencer_id: newcomer },
    ]);
    expect((await q(sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'tracking_id_claims'`)).rows).toEqual([
      { n: 0 },
    ]);
    // The earlier schema's rule holds again: one row per tracking ID in an organisation.
    await expect(q(sql`INSERT INTO tracking_ids (tracking_id, marketplace, influencer_id) VALUES ('held-20', 'US', ${idle})`)).rejects.toMatchObject({
      constraint: 'tracking_ids_organisation_tracking_idx',
    });

    const up = await migrateToLatest(db);
    expect(up.results?.[0] && [up.results[0].migrationName, up.results[0].status]).toEqual([CLAIMS, 'Success']);
    expect(up.results?.filter((r) => r.status !== 'Success')).toEqual([]);
    expect((await q(sql<{ verified: boolean }>`SELECT DISTINCT verified FROM tracking_ids`)).rows).toEqual([{ verified: true }]);
  }, 60_000);
});
