// Clicks at creator scale, part two.
//  - click_org_rollups: an organisation's clicks by kind per UTC hour (with the quarter splits), day, month, year and
//    all time, kept for all history (organisations are few, so even its hour rows are small), so organisation
//    figures read a handful of rows instead of every influencer's. An influencer never changes organisation.
//  - click_rollup_state.recent_from: influencer and link rows by hour exist only for months from recent_from on (the
//    start of the previous UTC month) and for the months in click_fine_months; elsewhere the sub-day part of a range
//    is read from the raw clicks, which exist for every month that is not in click_fine_months.
//  - click_fine_months: months whose raw partition was dropped. Their influencer and link hour rows are rebuilt from
//    the raw clicks in the drop's transaction and kept for good, so a local day in +5:30/+5:45 stays exact without
//    the raw clicks.
//  - indexes by (grain, bucket) for reads over many influencers at once.
// Existing organisation rows are built from the influencer rows. Frozen: never import src.
import { sql, type Kysely } from 'kysely';

const MEASURES = ['clicks', 'repeats', 'previews', 'bots'].flatMap((m) => [m, `${m}_q1`, `${m}_q2`, `${m}_q3`]);

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE click_org_rollups (
    grain text COLLATE "C" NOT NULL CHECK (grain IN ('hour', 'day', 'month', 'year', 'all')),
    bucket timestamptz NOT NULL,
    organisation_id bigint NOT NULL,
    ${sql.join(MEASURES.map((m) => sql`${sql.id(m)} bigint NOT NULL`))},
    PRIMARY KEY (organisation_id, grain, bucket))`.execute(db);
  await sql`
    INSERT INTO click_org_rollups (grain, bucket, organisation_id, ${sql.join(MEASURES.map((m) => sql.id(m)))})
    SELECT r.grain, r.bucket, i.organisation_id, ${sql.join(MEASURES.map((m) => sql`sum(r.${sql.id(m)})::bigint`))}
      FROM click_rollups r JOIN influencers i ON i.id = r.influencer_id
     WHERE r.link_id IS NULL
     GROUP BY 1, 2, 3`.execute(db);
  // Rows of many influencers in a few buckets (an organisation's roster, its most-clicked links): one range scan per
  // bucket range rather than one probe per influencer. The planner picks this or the influencer-led key.
  await sql`CREATE INDEX click_rollups_bucket_idx ON click_rollups (grain, bucket, influencer_id) WHERE link_id IS NULL`.execute(db);
  await sql`CREATE INDEX click_rollups_link_bucket_idx ON click_rollups (grain, bucket, influencer_id) INCLUDE (link_id, clicks, clicks_q1, clicks_q2, clicks_q3) WHERE link_id IS NOT NULL`.execute(db);
  await sql`ALTER TABLE click_rollup_state ADD COLUMN recent_from timestamptz NOT NULL DEFAULT '-infinity'`.execute(db);
  await sql`CREATE TABLE click_fine_months (month timestamptz PRIMARY KEY, dropped_at timestamptz NOT NULL DEFAULT now())`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('click_fine_months').ifExists().execute();
  await sql`ALTER TABLE click_rollup_state DROP COLUMN recent_from`.execute(db);
  await sql`DROP INDEX IF EXISTS click_rollups_link_bucket_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS click_rollups_bucket_idx`.execute(db);
  await db.schema.dropTable('click_org_rollups').ifExists().execute();
}
