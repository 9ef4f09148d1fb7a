// Clicks and click rollups carry their organisation, like the ledger and the earnings rollups: the key a sharded
// Postgres (Citus) would distribute them by, so one organisation's clicks, rollups and ledger sit on one node (see
// ARCHITECTURE.md). A link's organisation is its influencer's, which never changes, so existing rows are filled once
// here and new ones by their writers (the click buffer, the rollup refresh). Filling costs one pass over the clicks
// (measured by bench:clicks' numbers in the README: about 1.3 s per million clicks on the 2-core machine); the
// column adds 8 bytes a click. Frozen: never import src.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE clicks ADD COLUMN organisation_id bigint`.execute(db);
  await sql`UPDATE clicks c SET organisation_id = i.organisation_id FROM links k JOIN influencers i ON i.id = k.influencer_id WHERE k.id = c.link_id`.execute(db);
  await sql`ALTER TABLE clicks ALTER COLUMN organisation_id SET NOT NULL`.execute(db);
  await sql`ALTER TABLE click_rollups ADD COLUMN organisation_id bigint`.execute(db);
  await sql`UPDATE click_rollups r SET organisation_id = i.organisation_id FROM influencers i WHERE i.id = r.influencer_id`.execute(db);
  await sql`ALTER TABLE click_rollups ALTER COLUMN organisation_id SET NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE click_rollups DROP COLUMN organisation_id`.execute(db);
  await sql`ALTER TABLE clicks DROP COLUMN organisation_id`.execute(db);
}
