// An organisation's link rows of a bucket in order of unique clicks, so its most-clicked links over a period are read
// from the top of each whole bucket the period holds (src/domain/clicks/linkRanking.ts) instead of summing every
// link's rows. Rows whose organisation the background fill has not yet set are not in it; readers use it only once
// the fill is done. Built in the migration's transaction: rollup refreshes wait for it (clicks themselves do not).
// Frozen: never import src.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX click_rollups_org_rank_idx ON click_rollups (organisation_id, grain, bucket, clicks DESC) INCLUDE (link_id)
            WHERE link_id IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS click_rollups_org_rank_idx`.execute(db);
}
